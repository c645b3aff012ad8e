import type { Order } from "../orders/index.ts";
import type { CoreContext, SqlTx } from "../shared/index.ts";
import type { FlowRuntime } from "./flow-deps.ts";

/**
 * 补单: does `order` (PAID or FULFILLING, a CODE product, locked by the caller) hold its codes now? It
 * keeps the ones it holds; an order staff re-routed (FULFILLING) takes none from stock (its supplier
 * delivers); otherwise it claims from stock under the product's queue lock — only when no other order
 * waits, so a new buyer never takes the codes an older backorder is waiting for.
 */
export async function takeStockInQueue(rt: FlowRuntime, ctx: CoreContext, tx: SqlTx, order: Order): Promise<boolean> {
  const held = await tx.query(rt.modules.inventory.claimedSql(order.id));
  if (held.length > 0) return true;
  if (order.status === "FULFILLING") return false;
  const { waiting } = await rt.orders.backorders.lock(tx, order.productId, order.id);
  if (waiting) return false;
  const claimed = await rt.modules.inventory.claim(
    ctx,
    { productId: order.productId, orderId: order.id, quantity: order.quantity },
    { tx, freshOrder: true },
  );
  return claimed.ok;
}
