import type { Order } from "../orders/index.ts";
import { sql, type CoreContext, type SqlTx } from "../shared/index.ts";
import type { FlowRuntime } from "./flow-deps.ts";
import { refundOrder, type FulfilResult } from "./fulfil-order.flow.ts";

/*
 * Orders held for a risk review (HELD_FOR_REVIEW, docs/risk.md): paid into escrow, waiting for staff.
 * Approve → PAID (the fulfil job takes it from there, exactly as a paid order); reject or not decided in
 * time → REFUNDED from escrow. Each is one conditional transition: of racing decisions, one changes the
 * order and the others find it decided.
 */

export type HeldDecision = { changed: true; order: Order } | { changed: false; status: string };

/** HELD_FOR_REVIEW → PAID once; `inTx` runs in the same transaction (the risk case closed, the audit row). */
export async function releaseHeld(
  rt: FlowRuntime,
  ctx: CoreContext,
  input: { orderId: string; reason: string },
  inTx?: (tx: SqlTx, order: Order) => Promise<void>,
): Promise<HeldDecision> {
  const released = await rt.orders.transaction(async (tx) => {
    const order = await rt.orders.store.transition(tx, {
      orderId: input.orderId,
      path: ["HELD_FOR_REVIEW", "PAID"],
      reason: input.reason,
    });
    if (order && inTx) await inTx(tx, order);
    return order;
  });
  if (!released) {
    const current = await rt.orders.store.get(rt.orders.read, input.orderId);
    return { changed: false, status: current?.status ?? "NOT_FOUND" };
  }
  rt.signals.committed("order.paid", released);
  return { changed: true, order: released };
}

/** HELD_FOR_REVIEW → REFUNDED once: reserved codes released, the payment reversed to the wallet. */
export function refundHeld(
  rt: FlowRuntime,
  ctx: CoreContext,
  input: { orderId: string; reason: string },
  inTx?: (tx: SqlTx, order: Order) => Promise<void>,
): Promise<FulfilResult> {
  return refundOrder(rt, ctx, input.orderId, input.reason, { held: true, ...(inTx ? { inTx } : {}) });
}

/** Held orders, oldest first; `heldBefore`: only those held since before then (the timeout sweep). */
export async function heldOrderIds(rt: FlowRuntime, input: { limit: number; heldBefore?: Date }): Promise<string[]> {
  const rows = await rt.orders.read.query<{ id: string }>(sql`
    SELECT id::text AS id FROM orders
    WHERE status = 'HELD_FOR_REVIEW' AND updated_at < ${input.heldBefore ?? new Date(8.64e15)}::timestamptz
    ORDER BY updated_at, id LIMIT ${input.limit}::int`);
  return rows.map((r) => r.id);
}
