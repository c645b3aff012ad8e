import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asBuyer } from "../../core/shared/index.ts";
import { CLEAN, createShop, ctx, type Shop } from "./support/shop.ts";

/**
 * The embedded default sells too: PGlite has one connection, so a flow that used the top-level client
 * inside its own transaction would wait on itself until the transaction timeout. This runs the same
 * purchases as the PostgreSQL suite on `npm start`'s database.
 */
describe("selling on the embedded default (PGlite, in-process jobs)", () => {
  let shop: Shop;
  beforeAll(async () => {
    shop = await createShop("embedded", { embedded: true, workers: true });
  }, 60_000);
  afterAll(() => shop?.dispose());

  it("a CODE order over the API is paid and delivered in moments, not after a transaction timeout", async () => {
    const product = await shop.codeProduct({ price: 980n, stock: 3, cost: 900n });
    const buyer = await shop.buyer(10_000n);
    const started = Date.now();
    const res = await shop.request("/v1/orders", {
      key: buyer.key,
      idem: "emb-1",
      body: { product_id: product.id, quantity: 2 },
    });
    expect(res.status).toBe(201);
    const { order } = (await res.json()) as { order: { id: string } };
    await shop.waitForStatus([order.id], ["DELIVERED"], 10_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    const codes = await shop.c.orders.codesFor(asBuyer(ctx, buyer.userId), { orderId: order.id });
    expect(codes).toHaveLength(2);
    expect(await shop.walletBalance(buyer.userId)).toBe(10_000n - 1960n);
    expect(await shop.invariants()).toEqual(CLEAN);
  });

  it("a DIRECT top-up goes through the simulated supplier; all suppliers down refunds it", async () => {
    const up = await shop.supplier("emb-up");
    const product = await shop.directProduct([{ supplierId: up.supplier.id, cost: 2900n }], 3000n);
    const buyer = await shop.buyer(10_000n);
    const place = (idem: string, productId: string) =>
      shop.c.orders.place(asBuyer(ctx, buyer.userId), {
        userId: buyer.userId,
        productId,
        quantity: 1,
        idempotencyKey: idem,
        payWith: "wallet",
        target: "13800138000",
      });
    const ok = await place("emb-d1", product.id);
    expect(ok.ok).toBe(true);
    if (!ok.ok) return;
    await shop.waitForStatus([ok.order.id], ["DELIVERED"], 10_000);

    const down = await shop.supplier("emb-down", { failureRate: 1 });
    const doomed = await shop.directProduct([{ supplierId: down.supplier.id, cost: 2900n }], 3000n);
    const bad = await place("emb-d2", doomed.id);
    expect(bad.ok).toBe(true);
    if (!bad.ok) return;
    await shop.waitForStatus([bad.order.id], ["REFUNDED"], 30_000);
    expect(await shop.walletBalance(buyer.userId)).toBe(10_000n - 3000n);
    expect(await shop.invariants()).toEqual(CLEAN);
  });
});
