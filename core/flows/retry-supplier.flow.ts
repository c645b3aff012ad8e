import type { NumberedOrder } from "../orders/index.ts";
import { conflict, type CoreContext } from "../shared/index.ts";
import type { FlowRuntime } from "./flow-deps.ts";
import { applySupplierOutcome, fulfilOrder, type FulfilResult } from "./fulfil-order.flow.ts";

/**
 * Staff retry a FULFILLING order with another supplier (its supplier is slow or stuck). The current one is
 * asked once more first: done there → delivered from that answer, nothing else bought. Otherwise the order
 * moves to the next supplier it has not tried (by the usual ranking) and the fulfilment runs again. Should
 * the first one still report success later, the failover's warning asks for reconciliation with it (as
 * for any failover). Refused when the order is not FULFILLING or no untried supplier is left.
 */
export async function retryWithAnotherSupplier(
  rt: FlowRuntime,
  ctx: CoreContext,
  order: NumberedOrder,
): Promise<FulfilResult & { supplierId?: string }> {
  if (order.status !== "FULFILLING" || !order.supplierId)
    throw conflict("order_not_fulfilling", `the order is ${order.status}: only an order at a supplier can be retried`, {
      status: order.status,
    });
  const current = order.supplierId;
  const outcome = await rt.modules.suppliers.query(ctx, {
    supplierId: current,
    requestKey: rt.modules.suppliers.requestKey(order.id, current),
  });
  if (outcome.status === "succeeded")
    return applySupplierOutcome(rt, ctx, { orderId: order.id, supplierId: current, outcome });

  const candidates = (await rt.modules.suppliers.candidates(ctx, order.productId, { includeOpen: true })).filter(
    (c) => c.kind !== "STOCK" && c.supplierId !== current,
  );
  // Suppliers this order was already sent to (their requests), the current one included.
  const attempts = (await rt.modules.suppliers.attemptsFor?.(ctx, { orderId: order.id })) ?? [];
  const tried = new Set([current, ...attempts.map((a) => a.supplierId)]);
  const next =
    candidates.find((c) => !tried.has(c.supplierId) && c.circuit !== "open") ??
    candidates.find((c) => !tried.has(c.supplierId));
  if (!next)
    throw conflict("no_other_supplier", "the product has no other supplier to retry the order with", {
      productId: order.productId,
    });
  const switched = await rt.orders.store.switchSupplier(rt.orders.read, order.id, current, next.supplierId);
  if (!switched) {
    const now = await rt.orders.store.get(rt.orders.read, order.id);
    throw conflict("order_changed", `the order moved on meanwhile: it is ${now?.status ?? "gone"}`);
  }
  return { ...(await fulfilOrder(rt, ctx, { orderId: order.id })), supplierId: next.supplierId };
}
