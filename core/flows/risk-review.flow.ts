import type { NumberedOrder } from "../orders/index.ts";
import type { Risk, RiskCase } from "../risk/index.ts";
import {
  conflict,
  forbidden,
  formatMoney,
  invalidData,
  type CoreContext,
  type Currency,
  type SqlTx,
} from "../shared/index.ts";
import type { Orders } from "./orders.facade.ts";

/** Writes the audit entry of a review decision in the decision's transaction (core/audit's `record`). */
export interface ReviewAuditPort {
  record(
    ctx: CoreContext,
    entry: { action: string; outcome: "ok"; targetType: string; targetId: string; details: Record<string, unknown> },
    opts: { tx: SqlTx },
  ): Promise<unknown>;
}

export interface HeldOrderView {
  order: NumberedOrder;
  /** The decision that held it: the rules that fired and the values they saw. */
  case: RiskCase | null;
}

/** The answer to a decision on an order no longer held (decided by someone else, or expired). */
const notHeld = (status: string) =>
  conflict("order_not_held", `the order is ${status}: it is no longer held for review`, { status });

/**
 * The risk review queue (docs/risk.md §"Review queue"): held orders with their evidence, and the staff's
 * decisions on them. Approve → the order continues to fulfilment once; reject → refunded from escrow
 * once; each decision closes the risk case and is audited in the same transaction as the order's change.
 * Orders nobody decided within the configured time are refunded by the `expire-held-orders` job.
 */
export function createRiskReview(deps: {
  orders: Pick<Orders, "releaseHeld" | "refundHeld" | "heldOrders" | "refundOverdueHeld">;
  risk: Pick<Risk, "caseFor" | "closeCase">;
  audit: ReviewAuditPort;
  /**
   * Minor units per currency above which releasing a held order takes two people: it is then approved only
   * through core/approvals (`risk.release`, risk-release.action.ts), which passes its request id. A currency
   * left out: any amount. Unset: one reviewer always.
   */
  secondApprovalOver?: Partial<Record<Currency, bigint>>;
}) {
  /** Whether releasing this order needs a second staff member (core/approvals). */
  const needsSecond = (order: { total: bigint; currency: string }) => {
    if (!deps.secondApprovalOver) return false;
    const over = deps.secondApprovalOver[order.currency as Currency];
    return over === undefined || order.total > over;
  };
  const noteOf = (note: string | undefined) => {
    const n = (note ?? "").trim();
    if (n.length > 500) throw invalidData("note_too_long", "a note is at most 500 characters");
    return n;
  };
  const record = (
    ctx: CoreContext,
    tx: SqlTx,
    orderId: string,
    decision: "approve" | "reject" | "expire",
    note: string,
  ) =>
    deps.audit.record(
      ctx,
      { action: `risk.${decision}`, outcome: "ok", targetType: "order", targetId: orderId, details: { note } },
      { tx },
    );

  return {
    needsSecondApproval: needsSecond,

    async queue(ctx: CoreContext, input: { limit?: number } = {}): Promise<HeldOrderView[]> {
      const orders = await deps.orders.heldOrders(ctx, input);
      return Promise.all(
        orders.map(async (order) => ({ order, case: await deps.risk.caseFor(ctx, { subjectId: order.id }) })),
      );
    },

    /**
     * Approve a held order: it continues to fulfilment. `order_not_held` when someone else was first. Above
     * the two-person threshold only an approved `risk.release` request (its id in `approvalId`) may do it.
     */
    async approve(ctx: CoreContext, input: { orderId: string; note?: string; approvalId?: string }) {
      const note = noteOf(input.note);
      const r = await deps.orders.releaseHeld(
        ctx,
        { orderId: input.orderId, reason: "risk review approved" },
        async (tx, order) => {
          // Checked on the row the transition locked; throwing rolls the release back.
          if (needsSecond(order) && !input.approvalId)
            throw forbidden(
              "second_approval_required",
              `releasing ${formatMoney(order.total, order.currency as Currency, "en")} needs a second staff member: ask for it through approvals (risk.release)`,
            );
          await deps.risk.closeCase(ctx, { subjectId: input.orderId, status: "APPROVED", note }, { tx });
          await record(ctx, tx, input.orderId, "approve", note);
        },
      );
      if (!r.changed) throw notHeld(r.status);
      return r.order;
    },

    /** Reject a held order: refunded from escrow to the buyer's wallet (the buyer is told). */
    async reject(ctx: CoreContext, input: { orderId: string; note?: string }) {
      const note = noteOf(input.note);
      if (note.length < 3) throw invalidData("reason_required", "say why the order is rejected (3 characters or more)");
      const r = await deps.orders.refundHeld(
        ctx,
        { orderId: input.orderId, reason: `risk review rejected: ${note}` },
        async (tx) => {
          await deps.risk.closeCase(ctx, { subjectId: input.orderId, status: "REJECTED", note }, { tx });
          await record(ctx, tx, input.orderId, "reject", note);
        },
      );
      if (!r.changed) throw notHeld(r.status);
      return r;
    },

    /** Refunds held orders older than `olderThanMs` (the scheduled job; the platform's). */
    expireOverdue(ctx: CoreContext, input: { olderThanMs: number; limit?: number }): Promise<number> {
      return deps.orders.refundOverdueHeld(ctx, input, async (tx, order) => {
        await deps.risk.closeCase(ctx, { subjectId: order.id, status: "EXPIRED", note: "not decided in time" }, { tx });
        await record(ctx, tx, order.id, "expire", "not decided in time");
      });
    },
  };
}

export type RiskReview = ReturnType<typeof createRiskReview>;
