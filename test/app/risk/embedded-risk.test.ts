import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asBuyer } from "../../../core/shared/index.ts";
import { createShop, ctx, type Shop } from "../../e2e/support/shop.ts";

/** Risk on the embedded default (PGlite, in-process counters), as `npm start` runs it: rules seeded, holds, decisions. */
describe("risk on the embedded default", () => {
  let shop: Shop;
  beforeAll(async () => {
    shop = await createShop("riskembedded", { workers: false, embedded: true, env: { RISK_ENABLED: "true" } });
  }, 120_000);
  afterAll(() => shop?.dispose());

  it("seeds the default rules, holds a new account's large first order, approves it once and blocks velocity", async () => {
    expect((await shop.c.risk.rules(ctx)).map((r) => r.name)).toContain("buyer-velocity");
    const big = await shop.codeProduct({ price: 50_000n, stock: 2 });
    const { userId } = await shop.buyer(100_000n);
    const r = await shop.c.orders.place(asBuyer(ctx, userId), {
      userId,
      productId: big.id,
      quantity: 1,
      idempotencyKey: "big",
      payWith: "wallet",
    });
    if (!r.ok) throw new Error(r.code);
    expect(r.order.status).toBe("HELD_FOR_REVIEW");
    const results = await Promise.allSettled([1, 2].map(() => shop.c.riskReview.approve(ctx, { orderId: r.order.id })));
    expect(results.filter((x) => x.status === "fulfilled")).toHaveLength(1);
    expect((await shop.order(r.order.id)).status).toBe("PAID");

    const small = await shop.codeProduct({ price: 100n, stock: 20 });
    const placed = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        shop.c.orders.place(asBuyer(ctx, userId), {
          userId,
          productId: small.id,
          quantity: 1,
          idempotencyKey: `v-${i}`,
          payWith: "wallet",
        }),
      ),
    );
    // The held order counts too (it was placed): 4 more are allowed, the rest blocked.
    expect(placed.filter((p) => p.ok)).toHaveLength(4);
    expect(placed.filter((p) => !p.ok && p.code === "order_blocked")).toHaveLength(4);
  });
});
