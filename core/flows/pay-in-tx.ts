import type { NewOrder, Order } from "../orders/index.ts";
import type { CoreContext, SqlTx } from "../shared/index.ts";
import { afterDeferredPosting, type FlowRuntime } from "./flow-deps.ts";

/** The order as its insert will have written it (for the steps issued before the insert has answered). */
export function asCreated(o: NewOrder, now: Date): Order {
  return {
    ...o,
    status: "CREATED",
    paymentTxId: null,
    settleTxId: null,
    refundTxId: null,
    supplierId: null,
    costTotal: null,
    failureReason: null,
    paidAt: null,
    deliveredAt: null,
    closedAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * `wallet −T, escrow +T` then CREATED → PAID (or, for a backorder placed while out of stock, CREATED →
 * AWAITING_STOCK); the caller's transaction holds everything, and this is its last step (the caller has
 * inserted or locked the order, so the transition cannot miss).
 */
export async function payInTx(
  rt: FlowRuntime,
  ctx: CoreContext,
  tx: SqlTx,
  order: Order,
  /**
   * HELD_FOR_REVIEW: paid into escrow but held for staff (a risk `review`); no fulfilment starts.
   * AWAITING_STOCK: a backorder paid while out of stock (it waits for an import).
   */
  to: "PAID" | "HELD_FOR_REVIEW" | "AWAITING_STOCK" = "PAID",
): Promise<{ ok: true; order: Order } | { ok: false; code: "insufficient_funds" }> {
  let paymentTxId: string | undefined;
  if (order.total > 0n) {
    const posted = await rt.modules.ledger.post(
      ctx,
      {
        idempotencyKey: `order-pay:${order.id}`,
        kind: "order_payment",
        metadata: { orderId: order.id },
        legs: [
          { account: rt.modules.accounts.walletCode(order.userId, order.currency), amount: -order.total },
          { account: rt.modules.accounts.systemCode("order_escrow", order.currency), amount: order.total },
        ],
      },
      // A refused payment rolls the whole transaction back (the callers throw Rollback), so no savepoint;
      // the posting rides along with the transition below, where a failure arrives.
      { tx, callerRollsBackOnFailure: true, deferred: true },
    );
    if (!posted.ok) return { ok: false, code: "insufficient_funds" };
    paymentTxId = posted.transactionId;
  }
  // The transaction's last statement (sent with COMMIT where the runner can): the wallet row the
  // posting locked is released one round trip sooner.
  const paid = await afterDeferredPosting(rt, true, () =>
    rt.orders.store.finalTransition(tx, {
      orderId: order.id,
      path: ["CREATED", to],
      ...(to === "AWAITING_STOCK" ? { reason: "out of stock: waiting for an import" } : {}),
      set: { paymentTxId, paidAt: rt.clock.now() },
    }),
  );
  return { ok: true, order: paid };
}
