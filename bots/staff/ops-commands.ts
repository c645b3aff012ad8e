import type { Alerts } from "../../core/alerts/index.ts";
import type { Approvals, ApprovalRequest } from "../../core/approvals/index.ts";
import type { Catalog } from "../../core/catalog/index.ts";
import type { Ledger } from "../../core/ledger/index.ts";
import { REPORT_PERIODS, type ReportPeriod, type Reports } from "../../core/reports/index.ts";
import { CURRENCIES, formatMoney, type CoreContext, type Currency, type Locale } from "../../core/shared/index.ts";
import type { Suppliers } from "../../core/suppliers/index.ts";
import { bold, plain, type Reply, type ReplyField, type TextPart } from "../turn.ts";
import { commandButton } from "./staff-commands.ts";
import { runCatalogCommand, type CatalogCommandDeps } from "./catalog-commands.ts";
import type { OpsCommandName } from "./ops-command-names.ts";
import type { OpsMessages } from "./ops-messages.ts";

export { OPS_COMMANDS, type OpsCommandName } from "./ops-command-names.ts";

export interface OpsDeps extends Omit<CatalogCommandDeps, "catalog" | "approvals"> {
  reports: Pick<Reports, "sales">;
  ledger: Pick<Ledger, "balance" | "entries" | "check" | "reconcile" | "walletCode">;
  alerts: Pick<Alerts, "open">;
  suppliers: Pick<Suppliers, "health" | "listSuppliers" | "upsertSupplier" | "productLinks" | "linkProduct">;
  catalog: Pick<Catalog, "listProducts" | "getProductBySku" | "updateProduct" | "upsertProduct" | "listCategories">;
  approvals: Pick<Approvals, "submit">;
  /** Whether a user exists (asked only once the command's own permission has been checked). */
  users: { findUser(ctx: CoreContext, userId: string): Promise<{ id: string } | null> };
}

/** What the staff bot lends each command: its audit row, its usage refusal, approval buttons. */
export interface CommandKit {
  audited(
    command: string,
    outcome: "ok" | "refused" | "failed",
    details: Record<string, unknown>,
    target?: { type: string; id: string },
  ): Promise<unknown>;
  usage(command: string, usage: string): Promise<Reply[]>;
  approvalButtons(r: ApprovalRequest): Reply;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CURRENCY_CODES = Object.keys(CURRENCIES) as Currency[];
const text = (...body: TextPart[]): Reply => ({ kind: "text", body });
const say = (s: string): Reply[] => [text(plain(s))];
const pre = (lines: string[]): TextPart => ({ text: lines.join("\n"), style: "pre" });

/** `12.5` in CNY → 1250n; null when it is not a positive amount with the currency's decimals. */
export function parseMajorAmount(raw: string, currency: Currency): bigint | null {
  const digits = CURRENCIES[currency].minorDigits;
  const m = /^(\d{1,13})(?:\.(\d+))?$/.exec(raw);
  if (!m || (m[2] ?? "").length > digits) return null;
  const minor = BigInt(m[1]!) * 10n ** BigInt(digits) + BigInt((m[2] ?? "").padEnd(digits, "0") || "0");
  return minor > 0n ? minor : null;
}

const currencyOf = (raw: string | undefined): Currency | null | undefined => {
  if (raw === undefined) return undefined;
  const c = raw.toUpperCase();
  return (CURRENCY_CODES as string[]).includes(c) ? (c as Currency) : null;
};

export async function runOpsCommand(
  deps: OpsDeps,
  ctx: CoreContext,
  command: OpsCommandName,
  args: string[],
  rest: string,
  m: OpsMessages,
  locale: Locale,
  kit: CommandKit,
  timeZone: string,
): Promise<Reply[]> {
  const money = (v: bigint, cur: string) => formatMoney(v, cur as Currency, locale);
  const at = (d: Date) =>
    new Intl.DateTimeFormat(locale === "en" ? "en-GB" : "zh-CN", {
      timeZone,
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).format(d);

  switch (command) {
    case "price":
    case "limits":
    case "sale":
    case "batches":
    case "product":
    case "void":
      return runCatalogCommand(deps, ctx, command, args, m, locale, kit, parseMajorAmount);

    case "report": {
      const period = (args[0] ?? "today").toLowerCase();
      if (args.length > 1 || !(REPORT_PERIODS as readonly string[]).includes(period))
        return kit.usage(command, "report [today|yesterday|7d]");
      const r = await deps.reports.sales(ctx, { period: period as ReportPeriod });
      await kit.audited(command, "ok", { period });
      const periods = REPORT_PERIODS.map((p) => ({
        kind: "callback" as const,
        label: m.periods[p]!,
        data: commandButton(`report ${p}`),
      }));
      const title = [bold(m.reportTitle(m.periods[period]!, at(r.from), at(r.to)))];
      if (r.totals.length === 0)
        return [{ kind: "text", body: [...title, plain(`\n${m.noOrders}`)], buttons: [periods] }];
      const products = new Map(
        (await deps.catalog.listProducts(ctx, { includeInactive: true })).map((p) => [p.id, p.sku]),
      );
      const fields: ReplyField[] = r.totals.flatMap((t) => {
        const c = r.totals.length > 1 ? ` ${t.currency}` : "";
        const pct = t.revenue > 0n ? ` (${((Number(t.margin) / Number(t.revenue)) * 100).toFixed(1)}%)` : "";
        return [
          { label: `${m.placed}${c}`, value: String(t.placed) },
          { label: `${m.paidDelivered}${c}`, value: `${t.paid} / ${t.delivered}` },
          { label: `${m.revenue}${c}`, value: money(t.revenue, t.currency) },
          { label: `${m.margin}${c}`, value: `${money(t.margin, t.currency)}${pct}` },
          { label: `${m.failures}${c}`, value: String(t.failed) },
          { label: `${m.refunds}${c}`, value: `${t.refunded} · ${money(t.refundedTotal, t.currency)}` },
        ];
      });
      if (r.top.length > 0)
        fields.push({
          label: m.topProducts,
          value: r.top
            .map(
              (p) =>
                `${products.get(p.productId) ?? p.productId.slice(0, 8)} ×${p.units} ${money(p.revenue, p.currency)}`,
            )
            .join("\n"),
        });
      return [{ kind: "text", body: title, fields, buttons: [periods] }];
    }

    case "balance": {
      const [userId] = args;
      if (args.length !== 1 || !UUID_RE.test(userId!)) return kit.usage(command, "balance <user id>");
      const id = userId!.toLowerCase();
      // The ledger checks the permission (wallet.read) first; only then is the user looked up.
      const balances = [];
      for (const cur of CURRENCY_CODES)
        balances.push({ cur, ...(await deps.ledger.balance(ctx, deps.ledger.walletCode(id, cur))) });
      if (!(await deps.users.findUser(ctx, id))) {
        await kit.audited(command, "refused", { code: "user_not_found" }, { type: "user", id });
        return say(m.userNotFound);
      }
      const lines = balances
        .filter((b) => b.cur === "CNY" || b.balance !== 0n || b.held !== 0n)
        .map((b) => m.balanceLine(b.cur, money(b.balance, b.cur), money(b.held, b.cur), money(b.available, b.cur)));
      await kit.audited(command, "ok", {}, { type: "user", id });
      return [text(bold(m.walletOf(id)), plain("\n"), pre(lines))];
    }

    case "statement": {
      const [userId, cur] = args;
      const currency = currencyOf(cur) ?? (cur === undefined ? "CNY" : null);
      if (args.length < 1 || args.length > 2 || !UUID_RE.test(userId!) || !currency)
        return kit.usage(command, "statement <user id> [CNY|USD|XTR]");
      const id = userId!.toLowerCase();
      const code = deps.ledger.walletCode(id, currency);
      const lines = await deps.ledger.entries(ctx, code, { limit: 20 });
      if (!(await deps.users.findUser(ctx, id))) {
        await kit.audited(command, "refused", { code: "user_not_found" }, { type: "user", id });
        return say(m.userNotFound);
      }
      await kit.audited(command, "ok", { currency, entries: lines.length }, { type: "user", id });
      if (lines.length === 0) return [text(bold(m.statementOf(id, currency)), plain(`\n${m.noEntries}`))];
      // The balance after each entry, walking back from today's (entries are newest first).
      let after = (await deps.ledger.balance(ctx, code)).balance;
      const rows = lines.map((l) => {
        const row =
          `${at(l.createdAt)}  ${(l.amount > 0n ? "+" : "") + money(l.amount, currency)}`.padEnd(30) +
          ` = ${money(after, currency)}  ${l.kind}${l.orderId ? ` · ${l.orderId}` : ""}${l.withdrawalId ? ` · ${l.withdrawalId}` : ""}`;
        after -= l.amount;
        return row;
      });
      return [text(bold(m.statementOf(id, currency)), plain("\n"), pre(rows))];
    }

    case "credit":
    case "debit": {
      const [userId, amountRaw, curRaw] = args;
      const u = `${command} <user id> <amount> <CNY|USD|XTR> <reason>`;
      if (args.length < 4 || !UUID_RE.test(userId!)) return kit.usage(command, u);
      const currency = currencyOf(curRaw);
      if (!currency) {
        await kit.audited(command, "refused", { code: "invalid_currency" });
        return say(m.badCurrency(curRaw ?? "", CURRENCY_CODES.join(", ")));
      }
      const amount = parseMajorAmount(amountRaw!, currency);
      if (amount === null) {
        await kit.audited(command, "refused", { code: "invalid_amount" });
        return say(m.badAmount(currency, CURRENCIES[currency].minorDigits));
      }
      const reason = rest.split(/\s+/).slice(3).join(" ").trim();
      if (reason.length < 3) return kit.usage(command, u);
      const r = await deps.approvals.submit(ctx, {
        action: "wallet.adjust",
        payload: { userId: userId!.toLowerCase(), direction: command, amount: amount.toString(), currency },
        reason,
      });
      if (r.status === "executed")
        return say(m.adjusted(`${command} ${money(amount, currency)} · ${userId!.toLowerCase()}`));
      if (r.status === "failed") return say(m.adjustFailed(r.error));
      return [kit.approvalButtons(r.request)];
    }

    case "ledger":
    case "reconcile": {
      const only = command === "reconcile" ? currencyOf(args[0]) : undefined;
      const ok =
        command === "ledger" ? args.length === 0 || (args.length === 1 && args[0] === "check") : args.length <= 1;
      if (!ok || only === null)
        return kit.usage(command, command === "ledger" ? "ledger [check]" : "reconcile [CNY|USD|XTR]");
      const lines: TextPart[] = [];
      let allOk = true;
      if (command === "ledger") {
        const c = await deps.ledger.check(ctx);
        allOk &&= c.ok;
        lines.push(
          plain(
            c.ok
              ? m.ledgerOk
              : m.ledgerBad(c.unbalanced.length, c.mismatched.length, c.heldMismatched.length, c.negative.length),
          ),
          plain("\n"),
        );
      }
      const rows: string[] = [];
      for (const cur of only ? [only] : CURRENCY_CODES) {
        const r = await deps.ledger.reconcile(ctx, cur);
        allOk &&= r.ok;
        rows.push(m.reconcileLine(cur, r.ok, money(r.custody, cur), money(r.customerFunds, cur)));
      }
      await kit.audited(command, "ok", { ok: allOk });
      return [text(...lines, pre(rows))];
    }

    case "alerts": {
      if (args.length > 0) return kit.usage(command, "alerts");
      const open = await deps.alerts.open(ctx, { limit: 30 });
      await kit.audited(command, "ok", { count: open.length });
      if (open.length === 0) return say(m.noAlerts);
      return [
        text(
          bold(m.openAlerts),
          plain("\n"),
          pre(
            open.map(
              (a) =>
                `${a.severity === "critical" ? "!!" : "! "} ${a.kind.padEnd(18)} ${at(a.openedAt)}  ${Object.entries(
                  a.details,
                )
                  .filter(([k]) => !k.endsWith("Id"))
                  .map(([k, v]) => `${k}=${v}`)
                  .join(" ")
                  .slice(0, 120)}`,
            ),
          ),
        ),
      ];
    }

    case "suppliers": {
      if (args.length > 0) return kit.usage(command, "suppliers");
      const list = await deps.suppliers.health(ctx, {});
      await kit.audited(command, "ok", { count: list.length });
      const head = `${"code".padEnd(14)} ${"on".padEnd(3)} ${"breaker".padEnd(9)} ${"req".padStart(5)} ${"ok%".padStart(6)} ${"pend".padStart(5)} ${"mean".padStart(7)} ${"p95".padStart(7)}`;
      const ms = (v: number | null) => (v === null ? "—" : `${Math.round(v)}ms`);
      const rows = list.map(
        (s) =>
          `${s.code.slice(0, 14).padEnd(14)} ${(s.active ? "on" : "off").padEnd(3)} ${s.circuit.padEnd(9)} ${String(s.requests).padStart(5)} ${(s.successRate === null ? "—" : (s.successRate * 100).toFixed(1)).padStart(6)} ${String(s.pending).padStart(5)} ${ms(s.meanMs).padStart(7)} ${ms(s.p95Ms).padStart(7)}`,
      );
      return [text(bold(m.suppliersTitle), plain("\n"), pre([head, ...rows]))];
    }

    case "supplier": {
      const [verb, code, sku, value] = args;
      const u = "supplier on|off <code> | supplier cost|priority <code> <product sku> <value>";
      const toggle = (verb === "on" || verb === "off") && args.length === 2;
      const change = (verb === "cost" || verb === "priority") && args.length === 4;
      if (!toggle && !change) return kit.usage(command, u);
      const supplier = (await deps.suppliers.listSuppliers(ctx)).find((s) => s.code === code!.toLowerCase());
      if (!supplier) {
        await kit.audited(command, "refused", { code: "supplier_not_found", given: code!.slice(0, 40) });
        return say(m.supplierNotFound(code!.slice(0, 40)));
      }
      const target = { type: "supplier", id: supplier.id };
      if (toggle) {
        await deps.suppliers.upsertSupplier(ctx, {
          code: supplier.code,
          name: supplier.name,
          kind: supplier.kind,
          baseUrl: supplier.baseUrl,
          active: verb === "on",
        });
        await kit.audited(
          command,
          "ok",
          { before: { active: supplier.active }, after: { active: verb === "on" } },
          target,
        );
        return say(m.supplierSet(supplier.code, verb!));
      }
      const product = await deps.catalog.getProductBySku(ctx, sku!);
      if (!product) {
        await kit.audited(command, "refused", { code: "product_not_found", given: sku!.slice(0, 40) }, target);
        return say(m.productNotFound(sku!.slice(0, 40)));
      }
      const link = (await deps.suppliers.productLinks(ctx, supplier.id)).find((l) => l.productId === product.id);
      if (!link) {
        await kit.audited(command, "refused", { code: "not_linked", productId: product.id }, target);
        return say(m.notLinked(supplier.code, product.sku));
      }
      let changed: { cost: bigint } | { priority: number };
      if (verb === "cost") {
        const cost = parseMajorAmount(value!, product.currency as Currency);
        if (cost === null) {
          await kit.audited(command, "refused", { code: "invalid_amount" }, target);
          return say(m.badAmount(product.currency, CURRENCIES[product.currency as Currency].minorDigits));
        }
        changed = { cost };
      } else {
        if (!/^-?\d{1,4}$/.test(value!)) return kit.usage(command, u);
        changed = { priority: Number(value) };
      }
      const next = { ...link, ...changed };
      await deps.suppliers.linkProduct(ctx, next);
      await kit.audited(
        command,
        "ok",
        {
          productId: product.id,
          before: { cost: link.cost.toString(), priority: link.priority },
          after: { cost: next.cost.toString(), priority: next.priority },
        },
        target,
      );
      return say(
        m.supplierSet(
          supplier.code,
          `${product.sku} ${verb} ${verb === "cost" ? money(next.cost, product.currency) : String(next.priority)}`,
        ),
      );
    }
  }
}
