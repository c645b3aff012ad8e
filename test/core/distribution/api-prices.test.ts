import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pricingOf } from "../../../core/orders/index.ts";
import { ctx } from "../../e2e/support/shop.ts";
import { openDistribution, type DistributionFixture } from "./distribution-fixture.ts";

/** /v1 callers who are distributors see and pay their own cost; an L2 pays its L1's team price and earns the L1 its margin once. */
describe("/v1 as a distributor: GET /v1/prices and orders at the caller's tier price", () => {
  let fx: DistributionFixture;
  let productId: string;
  beforeAll(async () => {
    fx = await openDistribution("distapi");
    productId = (await fx.shop.codeProduct({ price: 10_000n, stock: 10, cost: 6_000n })).id;
  });
  afterAll(() => fx.dispose());

  const asJson = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> });

  it("a gold distributor's prices are 9% off, a plain key holder's retail; an explicit tier price overrides", async () => {
    const gold = await fx.shop.buyer(100_000n);
    await fx.d.add(ctx, { userId: gold.userId, tierId: "gold" });
    const plain = await fx.shop.buyer(0n);
    const mine = await asJson(await fx.shop.request("/v1/prices", { key: gold.key }));
    expect(mine.status).toBe(200);
    expect(mine.body.tier).toEqual({ id: "gold", name_zh: "金牌", name_en: "Gold" });
    expect(mine.body.prices).toContainEqual(
      expect.objectContaining({ product_id: productId, retail: 10_000, price: 9_100, currency: "CNY" }),
    );
    const theirs = await asJson(await fx.shop.request("/v1/prices", { key: plain.key }));
    expect(theirs.body.tier).toBeNull();
    expect(theirs.body.prices).toContainEqual(expect.objectContaining({ product_id: productId, price: 10_000 }));
    await fx.d.setTierPrice(ctx, { tierId: "gold", productId, price: 8_800n });
    const after = await asJson(await fx.shop.request("/v1/prices", { key: gold.key }));
    expect(after.body.prices).toContainEqual(expect.objectContaining({ product_id: productId, price: 8_800 }));
    await fx.d.setTierPrice(ctx, { tierId: "gold", productId, price: null });
    expect((await fx.shop.request("/v1/prices")).status).toBe(401);
  });

  it("an L2's API order pays its L1's team price; the L1 earns the difference, the L2 nothing twice", async () => {
    const l1 = await fx.distributor("gold");
    const l2 = await fx.shop.buyer(100_000n);
    await fx.d.recruit(ctx, { l1, userId: l2.userId });
    await fx.d.setRule(ctx, {
      scope: "TEAM",
      ownerId: l1,
      target: `product:${productId}`,
      mode: "FIXED_PRICE",
      value: 9_400n,
    });
    const prices = await asJson(await fx.shop.request("/v1/prices", { key: l2.key }));
    expect(prices.body.prices).toContainEqual(expect.objectContaining({ product_id: productId, price: 9_400 }));
    const res = await asJson(
      await fx.shop.request("/v1/orders", {
        key: l2.key,
        idem: "api-l2-1",
        body: { product_id: productId, quantity: 2 },
      }),
    );
    expect(res.status).toBe(201);
    const order = res.body.order as { id: string; total: number; status: string };
    expect(order).toMatchObject({ total: 18_800, status: "DELIVERED" });
    expect(await fx.wallet(l2.userId)).toBe(100_000n - 18_800n);
    expect(await fx.wallet(l1)).toBe(600n);
    const p = pricingOf(await fx.shop.order(order.id));
    expect(p.chain!.shopId).toBeNull();
    expect(p.chain!.levels.map((l) => [l.userId, l.unitCost, l.unitSale])).toEqual([
      [l1, 9_100n, 9_400n],
      [l2.userId, 9_400n, 9_400n],
    ]);
    expect(await fx.invariantsOk()).toBe(true);
  });
});
