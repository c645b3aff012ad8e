import type { NumberedOrder, Order } from "../orders/index.ts";
import { conflict, type CoreContext } from "../shared/index.ts";
import { Rollback, type FlowRuntime } from "./flow-deps.ts";
import { fulfilOrder, refundOrder, settleAndDeliver, type FulfilResult } from "./fulfil-order.flow.ts";

/*
 * 补单 / backorders (docs/staff.md): paid orders of a product that accepts them wait in AWAITING_STOCK,
 * their money in escrow. Codes imported for the product fill them oldest first, each in a transaction of
 * its own under the product's queue lock (so concurrent fills, imports and placements deliver each order
 * once and never out of turn), through the normal delivery: settled, DELIVERED, `order.delivered` — the
 * shop notifier sends the codes to the buyer's chat. Staff can fill one by hand, re-route it to a
 * supplier or refund it; the backorders job refunds those waiting too long.
 */

export const fillBackordersFlowId = "fill-backorders";

/** Fills `productId`'s waiting orders from its stock, oldest first, until the stock or the queue runs out. */
export async function fillBackorders(
  rt: FlowRuntime,
  ctx: CoreContext,
  input: { productId: string; limit?: number },
): Promise<{ filled: Order[] }> {
  const filled: Order[] = [];
  const limit = input.limit ?? 10_000;
  while (filled.length < limit) {
    const order = await fillNext(rt, ctx, input.productId, null);
    if (!order) break;
    filled.push(order);
  }
  return { filled };
}

/** Every product's waiting orders (the backorders job: an import whose fill was lost is caught up). */
export async function fillAllBackorders(rt: FlowRuntime, ctx: CoreContext): Promise<{ filled: number }> {
  let filled = 0;
  for (const productId of await rt.orders.backorders.products(rt.orders.read))
    filled += (await fillBackorders(rt, ctx, { productId })).filled.length;
  return { filled };
}

/**
 * One waiting order delivered from stock: the oldest (`orderId` null) or the one staff named (filled by
 * hand, out of turn). Null when there is none or the stock is short (nothing written).
 */
async function fillNext(rt: FlowRuntime, ctx: CoreContext, productId: string, orderId: string | null) {
  // Routing facts are read outside the transaction (the embedded database has one connection).
  const stock = await rt.routing.stockSupplier(ctx, productId);
  const order = await rt.orders.transaction(async (tx) => {
    const { waiting } = await rt.orders.backorders.lock(tx, productId);
    if (!waiting) return null;
    const next = orderId
      ? await rt.orders.store.getForUpdate(tx, orderId)
      : await rt.orders.backorders.oldest(tx, productId);
    if (!next || next.status !== "AWAITING_STOCK") return null;
    const claimed = await rt.modules.inventory.claim(
      ctx,
      { productId, orderId: next.id, quantity: next.quantity },
      { tx },
    );
    // Too few codes for the oldest: it stays first in line (a smaller, younger order does not jump it).
    if (!claimed.ok) return null;
    await rt.modules.inventory.markSold(ctx, { orderId: next.id }, { tx });
    return settleAndDeliver(rt, ctx, tx, next, stock);
  });
  if (order) rt.signals.committed("order.delivered", order);
  return order;
}

/** Staff fill one waiting order now from the product's stock (out of turn: their call). */
export async function fillBackorder(
  rt: FlowRuntime,
  ctx: CoreContext,
  order: NumberedOrder,
): Promise<{ ok: true; order: Order } | { ok: false; code: "out_of_stock" }> {
  assertWaiting(order);
  const filled = await fillNext(rt, ctx, order.productId, order.id);
  if (filled) return { ok: true, order: filled };
  const now = await rt.orders.store.get(rt.orders.read, order.id);
  if (now) assertWaiting(now);
  return { ok: false, code: "out_of_stock" };
}

/**
 * Staff send a waiting order to a supplier: AWAITING_STOCK → FULFILLING, then the usual fulfilment asks
 * the product's suppliers in turn (refunded if every one fails). Refused when the product has none.
 */
export async function rerouteBackorder(rt: FlowRuntime, ctx: CoreContext, order: NumberedOrder): Promise<FulfilResult> {
  assertWaiting(order);
  const suppliers = await rt.modules.suppliers.candidates(ctx, order.productId, { includeOpen: true });
  if (!suppliers.some((c) => c.kind !== "STOCK"))
    throw conflict("no_supplier", "the product has no supplier to re-route the order to", {
      productId: order.productId,
    });
  try {
    const moved = await rt.orders.transaction(async (tx) => {
      const m = await rt.orders.store.transition(tx, {
        orderId: order.id,
        path: ["AWAITING_STOCK", "FULFILLING"],
        reason: "re-routed to a supplier by staff",
      });
      if (!m) throw new Rollback(null);
      return m;
    });
    rt.signals.committed("order.fulfilling", moved);
  } catch (e) {
    if (!(e instanceof Rollback)) throw e;
    const now = await rt.orders.store.get(rt.orders.read, order.id);
    if (now) assertWaiting(now);
  }
  return fulfilOrder(rt, ctx, { orderId: order.id });
}

/** Refunds orders that have waited longer than `maxWaitMs` (the backorders job); the buyer is told. */
export async function refundOverdueBackorders(
  rt: FlowRuntime,
  ctx: CoreContext,
  input: { maxWaitMs: number; limit?: number },
): Promise<{ refunded: number }> {
  const cutoff = new Date(rt.clock.now().getTime() - input.maxWaitMs);
  const due = await rt.orders.backorders.overdue(rt.orders.read, cutoff, input.limit ?? 500);
  const minutes = Math.round(input.maxWaitMs / 60_000);
  let refunded = 0;
  for (const { id } of due) {
    const r = await refundOrder(rt, ctx, id, `backorder not filled within ${minutes} minutes`, {
      from: ["AWAITING_STOCK"],
    });
    if (r.changed) refunded++;
  }
  return { refunded };
}

function assertWaiting(order: Order): void {
  if (order.status !== "AWAITING_STOCK")
    throw conflict("order_not_awaiting_stock", `the order is ${order.status}, not waiting for stock`, {
      status: order.status,
    });
}
