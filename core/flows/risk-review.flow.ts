import type { NumberedOrder } from "../orders/index.ts";
import type { Risk, RiskCase } from "../risk/index.ts";
import { conflict, invalidData, type CoreContext, type SqlTx } from "../shared/index.ts";
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
}) {
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
    async queue(ctx: CoreContext, input: { limit?: number } = {}): Promise<HeldOrderView[]> {
      const orders = await deps.orders.heldOrders(ctx, input);
      return Promise.all(
        orders.map(async (order) => ({ order, case: await deps.risk.caseFor(ctx, { subjectId: order.id }) })),
      );
    },

    /** Approve a held order: it continues to fulfilment. `already_decided` when someone else was first. */
    async approve(ctx: CoreContext, input: { orderId: string; note?: string }) {
      const note = noteOf(input.note);
      const r = await deps.orders.releaseHeld(
        ctx,
        { orderId: input.orderId, reason: "risk review approved" },
        async (tx) => {
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
