import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLEAN, createShop, ctx, type Shop } from "../../e2e/support/shop.ts";

/**
 * Staff retry an order stuck at a supplier (issue 11 §2): the current supplier is asked once more; still
 * pending → the next untried supplier buys it; done there → delivered from that answer, nothing else bought.
 */
describe("retry fulfilment with another supplier", () => {
  let shop: Shop;
  beforeAll(async () => {
    shop = await createShop("retrysupplier", { workers: false });
  });
  afterAll(() => shop.dispose());

  it("moves a stuck order on to the next supplier once; refuses when none is left or the order is not at a supplier", async () => {
    // The first supplier accepts and never finishes; the second answers at once.
    const slow = await shop.supplier("retry-slow", { asyncRate: 1, callbackDelayMs: 600_000 });
    const fast = await shop.supplier("retry-fast");
    const product = await shop.directProduct([
      { supplierId: slow.supplier.id, cost: 2500n, priority: 0 },
      { supplierId: fast.supplier.id, cost: 2600n, priority: 1 },
    ]);
    const { order } = await shop.paidTopUp(product.id);
    const first = await shop.c.orders.fulfil(ctx, { orderId: order.id });
    expect(first).toMatchObject({ status: "FULFILLING", pending: true });
    expect((await shop.order(order.id)).supplierId).toBe(slow.supplier.id);

    const r = await shop.c.orders.retryWithAnotherSupplier(ctx, { orderId: order.id });
    expect(r).toMatchObject({ status: "DELIVERED", supplierId: fast.supplier.id });
    const delivered = await shop.order(order.id);
    expect(delivered.supplierId).toBe(fast.supplier.id);
    expect(fast.sim.stats().charges).toBe(1);
    await expect(shop.c.orders.retryWithAnotherSupplier(ctx, { orderId: order.id })).rejects.toMatchObject({
      code: "order_not_fulfilling",
    });

    // Stuck at the only supplier: nothing to retry with.
    const lonely = await shop.directProduct([{ supplierId: slow.supplier.id, cost: 2500n }]);
    const stuck = (await shop.paidTopUp(lonely.id)).order;
    await shop.c.orders.fulfil(ctx, { orderId: stuck.id });
    await expect(shop.c.orders.retryWithAnotherSupplier(ctx, { orderId: stuck.id })).rejects.toMatchObject({
      code: "no_other_supplier",
    });
    expect((await shop.order(stuck.id)).status).toBe("FULFILLING");
    expect((await shop.invariants()).doubleSettled).toBe(CLEAN.doubleSettled);
  });
});
