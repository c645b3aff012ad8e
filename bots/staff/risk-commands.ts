import type { Approvals, ApprovalRequest } from "../../core/approvals/index.ts";
import type { Orders, RiskReview } from "../../core/flows/index.ts";
import { RISK_RELEASE_ACTION } from "../../core/flows/risk-release.action.ts";
import { thresholdsOf, type Risk } from "../../core/risk/index.ts";
import { formatMoney, type CoreContext, type Currency, type Locale } from "../../core/shared/index.ts";
import { bold, code, plain, type Reply, type TextPart } from "../turn.ts";
import { riskMessages } from "./risk-messages.ts";

/** What the risk commands need (the container's risk engine and review queue). */
export interface StaffRiskDeps {
  risk: Pick<
    Risk,
    | "rules"
    | "setEnabled"
    | "setThreshold"
    | "putRule"
    | "listEntries"
    | "addListEntry"
    | "removeListEntry"
    | "backtest"
  >;
  riskReview: Pick<RiskReview, "queue" | "reject">;
  orders: Pick<Orders, "get">;
  /** Approving goes through approvals (`risk.release`): a second staff member above its threshold. */
  approvals: Pick<Approvals, "submit">;
  /** The staff bot's rendering of a pending approval request (with its Approve / Reject buttons). */
  approvalButtons(r: ApprovalRequest): Reply;
}

export const RISK_COMMANDS = ["held", "review", "rules", "rule", "risklist", "backtest"] as const;
export type RiskCommandName = (typeof RISK_COMMANDS)[number];

/** Button data of a review decision: `rv:<a|r|b>:<order id>` (approve, reject, reject and block the buyer). */
export const reviewButton = (decision: "approve" | "reject" | "block", orderId: string) =>
  `rv:${decision[0]}:${orderId}`;
const BUTTON_RE = /^rv:([arb]):([0-9a-f-]{36})$/i;

/** A review button as the words a staff member would type (`review approve <id>`), or null. */
export function parseReviewButton(data: string): { args: string[] } | null {
  const m = BUTTON_RE.exec(data);
  if (!m) return null;
  const decision = m[1] === "a" ? "approve" : m[1] === "r" ? "reject" : "block";
  return { args: [decision, m[2]!, ...(decision === "approve" ? [] : ["rejected", "in", "review"])] };
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const text = (...body: TextPart[]): Reply => ({ kind: "text", body });
const say = (s: string): Reply[] => [text(plain(s))];
const ago = (from: Date, now: Date) => {
  const min = Math.max(0, Math.round((now.getTime() - from.getTime()) / 60_000));
  return min < 120 ? `${min} min` : `${Math.round(min / 60)} h`;
};

/**
 * Runs one risk command; `usage` answers (and audits) a malformed one. Core calls authorize and audit
 * themselves (risk.read / risk.review / risk.manage); a refusal is thrown and answered by the staff bot.
 */
export async function runRiskCommand(
  deps: StaffRiskDeps,
  ctx: CoreContext,
  command: RiskCommandName,
  args: string[],
  rest: string,
  locale: Locale,
  usage: (u: string) => Promise<Reply[]>,
  audited: (details: Record<string, unknown>, target?: { type: string; id: string }) => Promise<unknown>,
): Promise<Reply[]> {
  const m = riskMessages(locale);
  switch (command) {
    case "held": {
      const queue = await deps.riskReview.queue(ctx, { limit: 10 });
      await audited({ count: queue.length });
      if (queue.length === 0) return say(m.noHeld);
      const now = new Date();
      return queue.map(({ order, case: c }) => ({
        kind: "text" as const,
        body: [
          plain(
            m.heldItem(
              order.number,
              formatMoney(order.total, order.currency as Currency, locale),
              order.userId,
              ago(order.updatedAt, now),
            ),
          ),
          plain("\n"),
          code(order.id),
          ...(c ? [plain("\n" + c.fired.map((f) => m.firedRule(f.name, JSON.stringify(f.seen))).join("\n"))] : []),
        ],
        buttons: [
          [
            { kind: "callback" as const, label: m.approve, data: reviewButton("approve", order.id) },
            {
              kind: "callback" as const,
              label: m.reject,
              data: reviewButton("reject", order.id),
              style: "danger" as const,
              confirm: { title: m.reject, text: m.confirmReject(order.number), ok: m.reject, cancel: m.confirmCancel },
            },
            {
              kind: "callback" as const,
              label: m.block,
              data: reviewButton("block", order.id),
              style: "danger" as const,
              confirm: { title: m.block, text: m.confirmBlock(order.number), ok: m.block, cancel: m.confirmCancel },
            },
          ],
        ],
      }));
    }
    case "review": {
      const [decision, orderId, ...note] = args;
      const reason = note.join(" ");
      if (!orderId || !UUID_RE.test(orderId) || !["approve", "reject", "block"].includes(decision ?? ""))
        return usage(
          "review approve <order id> [note] | review reject <order id> <reason> | review block <order id> <reason>",
        );
      if (decision === "approve") {
        const r = await deps.approvals.submit(ctx, {
          action: RISK_RELEASE_ACTION,
          payload: { orderId },
          reason: reason.trim().length >= 3 ? reason : "approved in risk review",
        });
        if (r.status === "failed") return say(m.notHeld(r.error));
        if (r.status === "pending") return [deps.approvalButtons(r.request)];
        return [{ kind: "text", body: [plain(m.approved(orderId))], edit: true }];
      }
      if (decision === "block") {
        // The buyer is blocked first (risk.manage): a role that may not block changes nothing at all.
        const order = await deps.orders.get(ctx, { orderId });
        await deps.risk.addListEntry(ctx, {
          list: "block",
          kind: "user",
          value: order.userId,
          reason: reason || "blocked in review",
        });
      }
      await deps.riskReview.reject(ctx, { orderId, note: reason });
      return [{ kind: "text", body: [plain((decision === "block" ? m.blocked : m.rejected)(orderId))], edit: true }];
    }
    case "rules": {
      const rules = await deps.risk.rules(ctx);
      await audited({ count: rules.length });
      const lines = rules.map(
        (r) =>
          `${r.enabled ? "●" : "○"} ${r.name.padEnd(30)} ${r.action.padEnd(12)} v${r.version}  [${thresholdsOf(r.condition).join(", ")}]  ${r.description}`,
      );
      return [text(bold(m.rules), plain("\n"), { text: lines.join("\n"), style: "pre" })];
    }
    case "rule": {
      const [op, name, ...more] = args;
      if (!name || !["enable", "disable", "threshold", "set"].includes(op ?? ""))
        return usage(
          "rule enable|disable <name> | rule threshold <name> <value> [which] | rule set <name> <action> <JSON>",
        );
      let saved;
      if (op === "enable" || op === "disable")
        saved = await deps.risk.setEnabled(ctx, { name, enabled: op === "enable" });
      else if (op === "threshold") {
        const value = Number(more[0]);
        const which = more[1] === undefined ? undefined : Number(more[1]) - 1;
        if (more.length < 1 || more.length > 2 || !Number.isFinite(value))
          return usage("rule threshold <name> <value> [which]");
        saved = await deps.risk.setThreshold(ctx, { name, value, ...(which !== undefined ? { index: which } : {}) });
      } else {
        const action = more[0];
        const json = rest.slice(rest.indexOf(action ?? "\u0000") + (action ?? "").length).trim();
        let condition: unknown;
        try {
          condition = JSON.parse(json);
        } catch {
          return usage("rule set <name> <review|block|kyc_required> <JSON condition>");
        }
        saved = await deps.risk.putRule(ctx, { name, ...(action ? { action } : {}), condition });
      }
      return say(m.ruleSaved(saved.name, saved.version));
    }
    case "risklist": {
      const [op] = args;
      if (!op) {
        const entries = await deps.risk.listEntries(ctx);
        await audited({ count: entries.length });
        if (entries.length === 0) return say(m.noLists);
        const lines = entries.map(
          (e) =>
            `${e.list.padEnd(5)} ${e.kind.padEnd(6)} ${e.value.padEnd(24)} ${e.reason}${e.expiresAt ? ` (→ ${e.expiresAt.toISOString().slice(0, 10)})` : ""}  ${e.id}`,
        );
        return [text(bold(m.lists), plain("\n"), { text: lines.join("\n"), style: "pre" })];
      }
      if (op === "remove") {
        if (args.length !== 2) return usage("risklist remove <entry id>");
        const removed = await deps.risk.removeListEntry(ctx, { id: args[1]! });
        return say(m.listRemoved(removed.value));
      }
      if (op === "add") {
        const [, list, kind, value, ...words] = args;
        const days = words.length > 0 ? /^days=(\d{1,4})$/.exec(words[words.length - 1]!) : null;
        const reason = (days ? words.slice(0, -1) : words).join(" ");
        if (!list || !kind || !value)
          return usage("risklist add <block|allow> <user|target|ip|device> <value> <reason> [days=N]");
        const entry = await deps.risk.addListEntry(ctx, {
          list,
          kind,
          value,
          reason,
          ...(days ? { expiresAt: new Date(Date.now() + Number(days[1]) * 86_400_000) } : {}),
        });
        return say(m.listAdded(entry.id));
      }
      return usage("risklist | risklist add … | risklist remove <entry id>");
    }
    case "backtest": {
      const days = Number(args[0]);
      if (args.length !== 1 || !Number.isInteger(days)) return usage("backtest <days>");
      const r = await deps.risk.backtest(ctx, { days });
      await audited({ days, orders: r.orders, outcomes: r.outcomes });
      const lines = [
        ...Object.entries(r.outcomes).map(([k, v]) => `${k.padEnd(14)} ${String(v).padStart(7)}`),
        "",
        ...Object.entries(r.byRule).map(([k, v]) => `${k.padEnd(30)} ${String(v).padStart(7)}`),
      ];
      return [text(bold(m.backtest(r.days, r.orders)), plain("\n"), { text: lines.join("\n"), style: "pre" })];
    }
  }
}
