import type { Approvals, ApprovalRequest } from "../../core/approvals/index.ts";
import type { Audit } from "../../core/audit/index.ts";
import type { Catalog } from "../../core/catalog/index.ts";
import type { Inventory } from "../../core/inventory/index.ts";
import type { Custody } from "../../core/custody/index.ts";
import type { Distribution } from "../../core/distribution/index.ts";
import type { Kyc } from "../../core/kyc/index.ts";
import type { Orders } from "../../core/flows/index.ts";
import { localeFromLanguage, parseLocaleChoice } from "../../core/identity/index.ts";
import { isDomainError, type Actor, type CoreContext, type Locale } from "../../core/shared/index.ts";
import type { Staff, StaffActor } from "../../core/staff/index.ts";
import type { BotLogger, ChatBot } from "../chat-bot.ts";
import {
  bold,
  code,
  plain,
  type FileInput,
  type InboundTurn,
  type Reply,
  type TextPart,
  type TurnChannel,
} from "../turn.ts";
import { custodyStatement } from "./custody-statement.ts";
import { applicationsCommand } from "./distributor-applications.ts";
import { kycNotFound, kycReview } from "./kyc-review.ts";
import {
  backorderActionCommand,
  backorderModeCommand,
  backordersCommand,
  orderCommand,
  retryCommand,
  type CommandKit as OrderCommandKit,
  type OrderCommandDeps,
} from "./order-commands.ts";
import { importCommand, type ImportCommandDeps } from "./import-command.ts";
import { orderMessages } from "./order-messages.ts";
import { RISK_COMMANDS, runRiskCommand, type RiskCommandName, type StaffRiskDeps } from "./risk-commands.ts";
import { riskMessages } from "./risk-messages.ts";
import { decisionButton, parseStaffInput, type StaffCommandName } from "./staff-commands.ts";
import { staffMessages, type StaffMessages } from "./staff-messages.ts";
import { staffMembersCommand } from "./staff-members-command.ts";
import { OPS_COMMANDS, runOpsCommand, type CommandKit, type OpsCommandName, type OpsDeps } from "./ops-commands.ts";
import { opsMessages } from "./ops-messages.ts";

export interface StaffBotDeps extends OrderCommandDeps, Omit<ImportCommandDeps, "orders" | "inventory" | "catalog"> {
  staff: Pick<Staff, "recognise" | "setLocale" | "list">;
  /**
   * The language for a staff member who chose none (`lang`) when the platform tells none either (Slack
   * sends no language with a command; Telegram's `language_code` is used when present). Default zh-CN.
   */
  defaultLocale?: Locale;
  audit: Pick<Audit, "record" | "trail">;
  approvals: Pick<Approvals, "submit" | "approve" | "reject" | "pending" | "get">;
  orders: OrderCommandDeps["orders"] & ImportCommandDeps["orders"] & Pick<Orders, "get" | "events" | "redeliver">;
  inventory: ImportCommandDeps["inventory"] & Pick<Inventory, "stock" | "maskedCodes">;
  catalog: OrderCommandDeps["catalog"] & ImportCommandDeps["catalog"] & Pick<Catalog, "listProducts">;
  /** The KYC review queue (`kyc`); absent: the command says it is not available. */
  kyc?: Pick<Kyc, "queue" | "approve" | "reject">;
  /** Custody reconciliation (`custody`, and a statement CSV uploaded with that caption). */
  custody?: Pick<Custody, "importStatement" | "report">;
  /** Distributor applications (`applications`); absent: the command says it is not available. */
  distribution?: Pick<Distribution, "applications" | "decide">;
  /** Reports, money, ledger, alerts and suppliers (ops-commands.ts); without them those commands are unknown. */
  ops?: OpsDeps & { timeZone: string };
  /** Whether a chat is a staff channel (the router sends only those; checked again here). */
  isStaffChat(channel: TurnChannel, chatId: string): boolean;
  /** The clock for ages (how long a backorder has waited); default the system clock. */
  now?: () => Date;
  /** The risk review queue, rules and lists (docs/risk.md); without it the risk commands say so. */
  risk?: Omit<StaffRiskDeps, "orders" | "approvals" | "approvalButtons">;
  logger?: BotLogger;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const text = (...body: TextPart[]): Reply => ({ kind: "text", body });
const say = (s: string): Reply[] => [text(plain(s))];
const time = (d: Date | null) => (d ? d.toISOString().replace("T", " ").slice(0, 19) + " UTC" : "—");

/**
 * The operators' console, written once against the turn model (Slack and a Telegram staff group render
 * it). Every sender is resolved to a staff actor in the core; anyone else — or anyone outside a staff
 * channel — is refused before any command, and the refusal is audited. Every command is audited.
 */
export function createStaffBot(deps: StaffBotDeps): ChatBot {
  function contextFor(turn: InboundTurn, actor: Actor, locale: Locale): CoreContext {
    return {
      channel: turn.channel,
      actor,
      externalUserId: turn.from.externalId,
      locale,
      requestId: `staff-bot:${turn.channel}:${turn.id}`,
    };
  }

  const audited = (
    ctx: CoreContext,
    command: string,
    outcome: "ok" | "refused" | "failed",
    details: Record<string, unknown>,
    target?: { type: string; id: string },
  ) =>
    deps.audit.record(ctx, {
      action: `bot.${command}`,
      outcome,
      details,
      ...(target ? { targetType: target.type, targetId: target.id } : {}),
    });

  /** A core refusal as a reply in the user's language (and its audit row). */
  async function refusal(
    ctx: CoreContext,
    command: string,
    e: unknown,
    m: StaffMessages,
    actor: StaffActor,
  ): Promise<Reply[]> {
    if (!isDomainError(e)) throw e;
    await audited(ctx, command, "refused", { code: e.code, message: e.message });
    switch (e.type) {
      case "forbidden":
        return say(m.forbidden(actor.role));
      case "not_found":
        if (e.code === "kyc_submission_not_found") return say(kycNotFound(ctx.locale));
        return say(
          e.code === "approval_not_found"
            ? m.approvalNotFound
            : e.code === "user_not_found"
              ? opsMessages(ctx.locale).userNotFound
              : e.code === "batch_not_found"
                ? opsMessages(ctx.locale).batchNotFound
                : e.code === "order_not_found"
                  ? m.orderNotFound
                  : m.invalid(e.message),
        );
      case "conflict":
        if (e.code === "no_supplier") return say(orderMessages(ctx.locale).noSupplier);
        if (e.code === "order_not_awaiting_stock") return say(orderMessages(ctx.locale).notWaiting(e.message));
        if (e.code === "kyc_not_pending") return say(m.invalid(e.message));
        return say(
          e.code === "order_not_refundable"
            ? m.notRefundable(e.message)
            : e.code === "order_not_delivered"
              ? m.notDelivered(e.message)
              : m.invalid(e.message),
        );
      case "invalid_data":
        return say(m.invalid(e.message));
      default:
        return say(m.error);
    }
  }

  /** The follow-up request an executed action asked for (`{ status: "AWAITING_SECOND_APPROVAL", approvalId }`). */
  function followUpRequest(result: unknown): string | undefined {
    const r = result as { status?: unknown; approvalId?: unknown } | null;
    return r?.status === "AWAITING_SECOND_APPROVAL" && typeof r.approvalId === "string" ? r.approvalId : undefined;
  }

  function approvalButtons(r: ApprovalRequest, m: StaffMessages): Reply {
    return {
      kind: "text",
      body: [plain(m.pendingApproval(r.summary, time(r.expiresAt))), plain("\n"), code(r.id)],
      buttons: [
        [
          {
            kind: "callback",
            label: m.approve,
            data: decisionButton("approve", r.id),
            style: "primary",
            confirm: { title: m.confirmApproveTitle, text: r.summary, ok: m.approve, cancel: m.confirmCancel },
          },
          {
            kind: "callback",
            label: m.reject,
            data: decisionButton("reject", r.id),
            style: "danger",
            confirm: { title: m.confirmRejectTitle, text: r.summary, ok: m.reject, cancel: m.confirmCancel },
          },
        ],
      ],
    };
  }

  async function run(
    turn: InboundTurn,
    ctx: CoreContext,
    command: StaffCommandName,
    args: string[],
    rest: string,
    m: StaffMessages,
    locale: Locale,
    file?: FileInput,
  ): Promise<Reply[]> {
    if ((OPS_COMMANDS as readonly string[]).includes(command)) {
      if (!deps.ops) return say(m.unknownCommand(command));
      const kit: CommandKit = {
        audited: (c, outcome, details, target) => audited(ctx, c, outcome, details, target),
        usage: (c, u) => usage(ctx, c, m, u),
        approvalButtons: (r) => approvalButtons(r, m),
      };
      const om = opsMessages(locale);
      return runOpsCommand(deps.ops, ctx, command as OpsCommandName, args, rest, om, locale, kit, deps.ops.timeZone);
    }
    if ((RISK_COMMANDS as readonly string[]).includes(command)) {
      if (!deps.risk) return say(m.unknownCommand(command));
      return runRiskCommand(
        { ...deps.risk, orders: deps.orders, approvals: deps.approvals, approvalButtons: (r) => approvalButtons(r, m) },
        ctx,
        command as RiskCommandName,
        args,
        rest,
        locale,
        (u) => usage(ctx, command, m, u),
        (details, target) => audited(ctx, command, "ok", details, target),
      );
    }
    switch (command as Exclude<StaffCommandName, OpsCommandName | RiskCommandName>) {
      case "lang": {
        const choice = args[0]?.toLowerCase() ?? "";
        const chosen = choice === "auto" ? null : parseLocaleChoice(choice);
        if (args.length !== 1 || (chosen === null && choice !== "auto"))
          return usage(ctx, command, m, "lang zh|en|auto");
        // Audited by the core (`staff.locale`, before/after).
        await deps.staff.setLocale(ctx, { userId: (ctx.actor as StaffActor).userId, locale: chosen });
        const now = staffMessages(chosen ?? platformLocale(turn));
        return say(chosen ? now.langSet : now.langAuto);
      }
      case "help":
        await audited(ctx, command, "ok", {});
        return say(
          [
            m.help,
            ...(deps.ops ? [opsMessages(locale).help] : []),
            ...(deps.risk ? [riskMessages(locale).help] : []),
          ].join("\n"),
        );
      case "order":
        return orderCommand(deps, orderKit(ctx, command, m, locale), rest);
      case "backorders":
        return backordersCommand(deps, orderKit(ctx, command, m, locale), args);
      case "fill":
      case "reroute":
        return backorderActionCommand(deps, orderKit(ctx, command, m, locale), command as "fill" | "reroute", args);
      case "backorder":
        return backorderModeCommand(deps, orderKit(ctx, command, m, locale), args);
      case "retry":
        return retryCommand(deps, orderKit(ctx, command, m, locale), args);
      case "import":
        return importCommand(deps, orderKit(ctx, command, m, locale), args, {
          ...(turn.input.kind === "file" ? { file: turn.input } : {}),
          ...(turn.progress ? { progress: turn.progress() } : {}),
          source: `${turn.channel}:${turn.from.externalId}`,
        });
      case "refund": {
        // Leading order ids, then the reason: one id is a refund, several a bulk refund (one approval).
        const firstWord = args.findIndex((a) => !UUID_RE.test(a));
        const ids = firstWord < 0 ? args : args.slice(0, firstWord);
        const reason = args.slice(ids.length).join(" ").trim();
        if (ids.length === 0 || reason.length < 3)
          return usage(ctx, command, m, "refund <order id> [<order id> …] <reason>");
        const r =
          ids.length === 1
            ? await deps.approvals.submit(ctx, { action: "orders.refund", payload: { orderId: ids[0] }, reason })
            : await deps.approvals.submit(ctx, { action: "orders.refund_bulk", payload: { orderIds: ids }, reason });
        if (r.status === "failed") return say(m.refundFailed(r.error));
        if (r.status === "pending") return [approvalButtons(r.request, m)];
        if (ids.length === 1) return say(m.refunded(ids[0]!));
        const done = r.result as { refunded: string[]; unchanged: Array<{ orderId: string; status: string }> };
        return say(
          m.bulkRefunded(done.refunded.length, done.unchanged.map((u) => `${u.orderId} (${u.status})`).join(", ")),
        );
      }
      case "redeliver": {
        const [orderId] = args;
        if (args.length !== 1 || !UUID_RE.test(orderId!)) return usage(ctx, command, m, "redeliver <order id>");
        const order = await deps.orders.redeliver(ctx, { orderId: orderId! });
        // The buyer gets the codes in their private chat; here only masked, with their hash prefix.
        const codes = await deps.inventory.maskedCodes(ctx, { orderId: order.id });
        await audited(ctx, command, "ok", { codes: codes.length }, { type: "order", id: order.id });
        return [
          text(
            plain(m.redelivered(order.id)),
            ...(codes.length > 0
              ? [
                  plain("\n"),
                  { text: codes.map((c) => `${c.masked}  #${c.hashPrefix}`).join("\n"), style: "pre" as const },
                ]
              : []),
          ),
        ];
      }
      case "stock": {
        if (args.length > 0) return usage(ctx, command, m, "stock");
        const report = await deps.inventory.stock(ctx, {});
        const products = (await deps.catalog.listProducts(ctx, { includeInactive: true })).filter(
          (p) => p.deliveryKind === "CODE",
        );
        await audited(ctx, command, "ok", { products: products.length });
        const byId = new Map(report.products.map((p) => [p.productId, p]));
        const rows = products.map((p) => {
          const s = byId.get(p.id);
          const n = (v: number | undefined) => String(v ?? 0).padStart(7);
          return `${p.sku.slice(0, 20).padEnd(20)} ${n(s?.available)} ${n(s?.reserved)} ${n(s?.sold)}${p.active ? "" : ` ${m.offSale}`}`;
        });
        const head = `${"SKU".padEnd(20)} ${m.available.padStart(7)} ${m.reserved.padStart(7)} ${m.sold.padStart(7)}`;
        return [text(bold(m.stock), plain("\n"), { text: [head, ...rows].join("\n"), style: "pre" })];
      }
      case "audit": {
        const [kind, id] = args;
        const query =
          (kind === "order" || kind === "user") && id && UUID_RE.test(id)
            ? { targetType: kind, targetId: id.toLowerCase() }
            : kind === "staff" && id && UUID_RE.test(id)
              ? { actorUserId: id.toLowerCase() }
              : null;
        if (!query || args.length !== 2)
          return usage(ctx, command, m, "audit order <order id> | audit user <user id> | audit staff <user id>");
        const entries = await deps.audit.trail(ctx, query, { limit: 15 });
        await audited(ctx, command, "ok", { kind, count: entries.length }, { type: kind!, id: id!.toLowerCase() });
        if (entries.length === 0) return say(m.noAudit);
        const lines = entries.map(
          (e) =>
            `#${e.seq} ${time(e.at)} ${e.actor} [${e.channel}] ${e.action} ${e.outcome}` +
            (e.approvalId ? ` (${e.approvalId.slice(0, 8)}…)` : ""),
        );
        return [text(bold(m.auditTrail), plain("\n"), { text: lines.join("\n"), style: "pre" })];
      }
      case "kyc": {
        if (!deps.kyc) return say(m.error);
        if (args[0]?.toLowerCase() === "share" && UUID_RE.test(args[1] ?? "")) {
          // The one-ID-one-account override: a second staff member approves it (core/approvals).
          const reason = rest.slice(rest.indexOf(args[1]!) + args[1]!.length).trim();
          if (reason.length < 3) return usage(ctx, command, m, "kyc share <submission id> <reason>");
          const r = await deps.approvals.submit(ctx, {
            action: "kyc.override",
            payload: { submissionId: args[1]! },
            reason,
          });
          if (r.status === "pending") return [approvalButtons(r.request, m)];
          return say(r.status === "failed" ? m.invalid(r.error) : m.invalid("done"));
        }
        const r = await kycReview(deps.kyc, ctx, args, rest, locale);
        await audited(ctx, command, r.audit.outcome, r.audit.details, r.audit.target);
        return r.replies;
      }
      case "staff": {
        const r = await staffMembersCommand(
          { staff: deps.staff, approvals: deps.approvals, approvalButtons: (req) => approvalButtons(req, m) },
          ctx,
          args,
          locale,
        );
        await audited(ctx, command, r.audit.outcome, r.audit.details, r.audit.target);
        return r.replies;
      }
      case "applications": {
        const r = await applicationsCommand(deps.distribution, ctx, args, rest, locale);
        await audited(ctx, command, r.audit.outcome, r.audit.details, r.audit.target);
        return r.replies;
      }
      case "custody": {
        if (!deps.custody) return say(m.error);
        const r = await custodyStatement(deps.custody, ctx, args, file, locale);
        await audited(ctx, command, r.audit.outcome, r.audit.details);
        return r.replies;
      }
      case "pending": {
        const list = await deps.approvals.pending(ctx, { limit: 10 });
        await audited(ctx, command, "ok", { count: list.length });
        if (list.length === 0) return say(m.noPending);
        return list.map((r) => ({
          ...approvalButtons(r, m),
          body: [plain(m.pendingItem(r.summary, r.requestedByLabel, r.reason)), plain("\n"), code(r.id)],
        }));
      }
      case "approve":
      case "reject": {
        const [requestId] = args;
        if (args.length !== 1 || !UUID_RE.test(requestId!)) return usage(ctx, command, m, `${command} <request id>`);
        const r =
          command === "approve"
            ? await deps.approvals.approve(ctx, { requestId: requestId! })
            : await deps.approvals.reject(ctx, { requestId: requestId! });
        // An approval whose action asked for a second person's (a withdrawal over the limit): its buttons follow.
        const next =
          r.ok && command === "approve" ? followUpRequest((r as unknown as { result?: unknown }).result) : undefined;
        if (next) {
          const req = await deps.approvals.get(ctx, next);
          return [
            { kind: "text", body: [plain(m.approvedNeedsSecond(r.request.summary))], edit: true },
            approvalButtons(req, m),
          ];
        }
        if (r.ok) {
          const done = (command === "approve" ? m.approved : m.rejected)(r.request.summary);
          return [{ kind: "text", body: [plain(done)], edit: true }];
        }
        switch (r.code) {
          case "own_request":
            return say(m.ownRequest);
          case "already_decided":
            return say(m.alreadyDecided(r.request.status));
          case "expired":
            return say(m.expired);
          case "execution_failed":
            return say(m.approvedFailed(r.request.summary, r.error));
        }
        return say(m.error);
      }
      default:
        return say(m.unknownCommand(command));
    }
  }

  /** The helpers a command in its own file gets (order-commands.ts). */
  function orderKit(ctx: CoreContext, command: string, m: StaffMessages, locale: Locale): OrderCommandKit {
    return {
      ctx,
      m,
      locale,
      audited: (outcome, details, target) => audited(ctx, command, outcome, details, target),
      usage: (u) => usage(ctx, command, m, u),
      now: () => deps.now?.() ?? new Date(),
    };
  }

  async function usage(ctx: CoreContext, command: string, m: StaffMessages, u: string): Promise<Reply[]> {
    await audited(ctx, command, "refused", { code: "usage" });
    return say(m.usage(u));
  }

  /** The sender's language as the platform tells it (Telegram's language_code), else the console's default. */
  const platformLocale = (turn: InboundTurn): Locale =>
    turn.from.languageCode ? localeFromLanguage(turn.from.languageCode) : (deps.defaultLocale ?? "zh-CN");

  return {
    name: "staff",
    async handle(turn) {
      const input = turn.input;
      if (input.kind !== "command" && input.kind !== "text" && input.kind !== "button" && input.kind !== "file")
        return [];
      const parsed = parseStaffInput(input);
      const commandName = parsed.ok ? parsed.command : "unknown";
      const platform = platformLocale(turn);
      const member = await deps.staff.recognise(
        contextFor(turn, { kind: "visitor" }, platform),
        turn.channel,
        turn.from.externalId,
      );
      // A member's own choice wins over the platform's language (Slack tells none).
      const locale = member?.locale ?? platform;
      const m = staffMessages(locale);
      const actor = member?.actor ?? null;
      // Nobody gets past here without being staff, in a staff channel: refused and recorded, no command run.
      const who = actor ?? ({ kind: "visitor" } as const);
      const ctx = contextFor(turn, who, locale);
      const where = { chatId: turn.chat.id, externalId: turn.from.externalId, command: commandName };
      if (!actor) {
        await audited(ctx, commandName, "refused", { code: "not_staff", ...where });
        return say(m.notStaff);
      }
      if (!deps.isStaffChat(turn.channel, turn.chat.id)) {
        await audited(ctx, commandName, "refused", { code: "not_staff_channel", ...where });
        return say(m.notStaffChannel);
      }
      if (!parsed.ok) {
        await audited(ctx, commandName, "refused", { code: "unknown_command", given: parsed.command.slice(0, 64) });
        return say(m.unknownCommand(parsed.command.slice(0, 64)));
      }
      try {
        return await run(
          turn,
          ctx,
          parsed.command,
          parsed.args,
          parsed.rest,
          m,
          locale,
          input.kind === "file" ? input : undefined,
        );
      } catch (e) {
        if (isDomainError(e)) return refusal(ctx, parsed.command, e, m, actor);
        deps.logger?.error({ err: e, turnId: turn.id, command: parsed.command }, "staff bot: command failed");
        return say(m.error);
      }
    },
  };
}
