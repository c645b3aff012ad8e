import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pricingOf } from "../../../core/orders/index.ts";
import { ctx } from "../../e2e/support/shop.ts";
import { openDistribution, type DistributionFixture } from "./distribution-fixture.ts";

/*
 * Retail 100.00, our stock's cost 60.00. A gold L1 (9% off: cost 91.00) leads an ordinary L2 (3% off:
 * 97.00, above the L1's cost, so the default team price is 97.00). The L2's shop marks up 10%: 106.70.
 */
describe("settlement of a two-level shop order: one posting, every cent accounted for", () => {
  let fx: DistributionFixture;
  let productId: string;
  let l1: string;
  let l2: string;
  let l2Shop: string;

  beforeAll(async () => {
    fx = await openDistribution("distsettle");
    productId = (await fx.shop.codeProduct({ price: 10_000n, stock: 40, cost: 6_000n })).id;
    l1 = await fx.distributor("gold");
    l2 = await fx.distributor("ordinary", l1);
    l2Shop = (await fx.shopOf(l2, { target: "all", mode: "MARKUP_PCT", value: 1_000n })).id;
  });
  afterAll(() => fx.dispose());

  it("the buyer pays the shop's price; L1, L2, supplier and platform get exactly their share at delivery", async () => {
    const before = { l1: await fx.wallet(l1), l2: await fx.wallet(l2), revenue: await fx.revenue() };
    // The buy screen's quote (nothing written) is what the placement charges.
    const anyone = await fx.shop.user();
    const quoted = await fx.shop.c.orders.quote(
      { ...ctx, actor: { kind: "buyer", userId: anyone } },
      { userId: anyone, productId, quantity: 1, shopId: l2Shop },
    );
    expect(quoted).toMatchObject({ ok: true, pricing: { total: 10_670n, chain: { shopId: l2Shop } } });
    const { userId, order } = await fx.shopOrder(productId, l2Shop);
    expect(order.status).toBe("DELIVERED");
    expect(order.total).toBe(10_670n);
    expect(await fx.wallet(userId)).toBe(1_000_000n - 10_670n);
    expect((await fx.wallet(l1)) - before.l1).toBe(600n); // 97.00 − 91.00
    expect((await fx.wallet(l2)) - before.l2).toBe(970n); // 106.70 − 97.00
    expect((await fx.revenue()) - before.revenue).toBe(3_100n); // 91.00 − 60.00
    const chain = pricingOf(await fx.shop.order(order.id)).chain!;
    expect(chain).toEqual({
      retailUnit: 10_000n,
      shopId: l2Shop,
      levels: [
        { level: 1, userId: l1, unitCost: 9_100n, unitSale: 9_700n },
        { level: 2, userId: l2, unitCost: 9_700n, unitSale: 10_670n },
      ],
    });
    const settlements = await fx.shop.prisma.$queryRaw<Array<{ n: bigint }>>`
      SELECT count(*) AS n FROM ledger_transactions WHERE kind = 'order_settlement' AND metadata->>'orderId' = ${order.id}`;
    expect(Number(settlements[0]!.n)).toBe(1);
    expect(await fx.invariantsOk()).toBe(true);
  });

  it("the L1's team price and a later cost rise: the sale never goes under cost, a rule under the floor is refused", async () => {
    await fx.d.setRule(ctx, { scope: "TEAM", ownerId: l1, target: "all", mode: "FIXED_OVER_COST", value: 300n });
    const a = await fx.shopOrder(productId, l2Shop);
    // Team price 91.00 + 3.00 = 94.00; the shop sells at 94.00 + 10% = 103.40.
    expect(a.order.total).toBe(10_340n);
    await expect(
      fx.d.setRule(ctx, {
        scope: "SHOP",
        ownerId: l2Shop,
        target: `product:${productId}`,
        mode: "FIXED_PRICE",
        value: 9_000n,
      }),
    ).rejects.toMatchObject({ code: "price_below_floor", message: expect.stringContaining("94.00") });
    await fx.d.setRule(ctx, {
      scope: "SHOP",
      ownerId: l2Shop,
      target: `product:${productId}`,
      mode: "FIXED_PRICE",
      value: 9_500n,
    });
    // The L1's tier drops (its cost rises to 97.00, the team price to 100.00): the fixed 95.00 is under it now.
    await fx.d.setTier(ctx, { userId: l1, tierId: "ordinary" });
    const b = await fx.shopOrder(productId, l2Shop);
    expect(b.order.total).toBe(10_000n);
    const chain = pricingOf(await fx.shop.order(b.order.id)).chain!;
    expect(chain.levels.map((l) => [l.unitCost, l.unitSale])).toEqual([
      [9_700n, 10_000n],
      [10_000n, 10_000n],
    ]);
    await fx.d.setTier(ctx, { userId: l1, tierId: "gold" });
    await fx.d.setRule(ctx, { scope: "SHOP", ownerId: l2Shop, target: `product:${productId}`, mode: "INHERIT" });
    await fx.d.setRule(ctx, { scope: "TEAM", ownerId: l1, target: "all", mode: "INHERIT" });
    expect(await fx.invariantsOk()).toBe(true);
  });

  it("a refund after delivery claws every commission back in one reversal: all balances as before the sale", async () => {
    await fx.d.setRule(ctx, { scope: "TEAM", ownerId: l1, target: "all", mode: "FIXED_OVER_COST", value: 600n });
    const before = { l1: await fx.wallet(l1), l2: await fx.wallet(l2), revenue: await fx.revenue() };
    const { userId, order } = await fx.shopOrder(productId, l2Shop);
    expect((await fx.wallet(l1)) - before.l1).toBe(600n);
    const r = await fx.shop.c.orders.refund(ctx, { orderId: order.id, reason: "code did not work" });
    expect(r).toMatchObject({ status: "REFUNDED", changed: true });
    expect(await fx.wallet(userId)).toBe(1_000_000n);
    expect(await fx.wallet(l1)).toBe(before.l1);
    expect(await fx.wallet(l2)).toBe(before.l2);
    expect(await fx.revenue()).toBe(before.revenue);
    expect(await fx.receivable(l2)).toBe(0n);
    expect(await fx.invariantsOk()).toBe(true);
  });

  it("a clawback beyond the wallet becomes a receivable (never a negative wallet), netted against later commission", async () => {
    const { order } = await fx.shopOrder(productId, l2Shop);
    const l2Wallet = await fx.wallet(l2);
    await fx.spend(l2, l2Wallet - 100n); // the L2 withdrew all but 1.00
    await fx.shop.c.orders.refund(ctx, { orderId: order.id, reason: "charged back" });
    expect(await fx.wallet(l2)).toBe(0n);
    const commission = pricingOf(await fx.shop.order(order.id)).chain!.levels[1]!;
    const owed = commission.unitSale - commission.unitCost - 100n;
    expect(await fx.receivable(l2)).toBe(-owed);
    expect(await fx.invariantsOk()).toBe(true);
    // The next sale's commission pays the debt first.
    await fx.shopOrder(productId, l2Shop);
    const earned = await fx.wallet(l2);
    expect(await fx.d.netReceivable(ctx, { userId: l2, currency: "CNY" })).toBe(owed < earned ? owed : earned);
    expect(await fx.receivable(l2)).toBe(owed < earned ? 0n : earned - owed);
    expect(await fx.wallet(l2)).toBe(owed < earned ? earned - owed : 0n);
    expect(await fx.invariantsOk()).toBe(true);
  });

  it("a DIRECT top-up through the shop settles at delivery from the stored chain (supplier cost known then) and refunds exactly", async () => {
    const sup = await fx.shop.supplier("distsim");
    const product = await fx.shop.directProduct([{ supplierId: sup.supplier.id, cost: 2_500n }], 3_000n);
    const before = { l1: await fx.wallet(l1), l2: await fx.wallet(l2), revenue: await fx.revenue() };
    const { userId } = await fx.shop.buyer(100_000n);
    const r = await fx.shop.c.orders.place(
      { ...ctx, actor: { kind: "buyer", userId } },
      {
        userId,
        productId: product.id,
        quantity: 2,
        target: "13800138000",
        idempotencyKey: "direct-1",
        payWith: "wallet",
        shopId: l2Shop,
      },
    );
    if (!r.ok) throw new Error(r.code);
    expect(r.order.status).toBe("PAID");
    // Gold L1 27.30 (9% off 30.00); the team price +6.00 → 33.30; the L2's shop +10% → 36.63 a unit.
    expect(r.order.total).toBe(7_326n);
    await fx.shop.c.orders.fulfil(ctx, { orderId: r.order.id });
    await fx.shop.waitForStatus([r.order.id], ["DELIVERED"]);
    expect((await fx.wallet(l1)) - before.l1).toBe(1_200n);
    expect((await fx.wallet(l2)) - before.l2).toBe(666n);
    expect((await fx.revenue()) - before.revenue).toBe(2n * (2_730n - 2_500n));
    expect(await fx.invariantsOk()).toBe(true);
    await fx.shop.c.orders.refund(ctx, { orderId: r.order.id, reason: "reversed by the carrier" });
    expect(await fx.wallet(userId)).toBe(100_000n);
    expect([await fx.wallet(l1), await fx.wallet(l2), await fx.revenue()]).toEqual([
      before.l1,
      before.l2,
      before.revenue,
    ]);
    expect(await fx.invariantsOk()).toBe(true);
  });
});
