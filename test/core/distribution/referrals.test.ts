import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdentity, type Identity } from "../../../core/identity/index.ts";
import { pricingOf } from "../../../core/orders/index.ts";
import { ctx } from "../../e2e/support/shop.ts";
import { openDistribution, type DistributionFixture } from "./distribution-fixture.ts";

/** Retail 50.00 at a stock cost of 30.00: the platform's margin on a plain sale is 20.00; the reward 10% of it. */
describe("referrals: ref_<code> at first touch, a share of the platform's margin, never self, never a cycle, never twice", () => {
  let fx: DistributionFixture;
  let productId: string;
  let identity: Identity;
  const start = (userId: string, payload: string) => identity.recordStartPayload(ctx, { userId, payload });

  beforeAll(async () => {
    fx = await openDistribution("distref", { env: { REFERRAL_REWARD_BPS: "1000", REFERRAL_PERIOD_DAYS: "30" } });
    const c = fx.shop.c;
    identity = createIdentity({ sql: c.db.sql, clock: c.clock, secrets: c.secrets });
    productId = (await fx.shop.codeProduct({ price: 5_000n, stock: 30, cost: 3_000n })).id;
  });
  afterAll(() => fx.dispose());

  it("a referred buyer's order pays the referrer 10% of the platform margin from the platform's leg; a refund takes it back", async () => {
    const referrer = await fx.shop.user();
    const code = await fx.d.referralCode(ctx, referrer);
    expect(code).toMatch(/^[a-z2-9]{8}$/);
    expect(await fx.d.referralCode(ctx, referrer)).toBe(code);
    const { userId: buyer } = await fx.shop.buyer(100_000n);
    expect(await start(buyer, `ref_${code}`)).toEqual({ recorded: true, referredBy: referrer });

    const revenue = await fx.revenue();
    const { order } = await fx.shopOrder(productId, null, buyer);
    expect(order.total).toBe(5_000n); // the buyer pays retail: the reward is the platform's, not the buyer's
    expect(pricingOf(await fx.shop.order(order.id)).referral).toEqual({ referrerUserId: referrer, bps: 1000 });
    expect(await fx.wallet(referrer)).toBe(200n);
    expect((await fx.revenue()) - revenue).toBe(1_800n);
    expect(await fx.invariantsOk()).toBe(true);

    await fx.shop.c.orders.refund(ctx, { orderId: order.id, reason: "refund" });
    expect(await fx.wallet(referrer)).toBe(0n);
    expect(await fx.revenue()).toBe(revenue);
    expect(await fx.wallet(buyer)).toBe(100_000n);
    expect(await fx.invariantsOk()).toBe(true);
  });

  it("on a chain order the reward is funded from the platform's margin (L1 cost − supplier cost), not from commission", async () => {
    const referrer = await fx.shop.user();
    const l1 = await fx.distributor("gold"); // cost 45.50
    const s = await fx.shopOf(l1, { target: "all", mode: "FIXED_OVER_COST", value: 500n }); // sells 50.50
    const { userId: buyer } = await fx.shop.buyer(100_000n);
    await start(buyer, `ref_${await fx.d.referralCode(ctx, referrer)}`);
    await fx.shopOrder(productId, s.id, buyer);
    expect(await fx.wallet(l1)).toBe(500n);
    expect(await fx.wallet(referrer)).toBe(155n); // 10% of (45.50 − 30.00)
    expect(await fx.invariantsOk()).toBe(true);
  });

  it("never self, never a cycle (A refers B refers A), never twice", async () => {
    const a = await fx.shop.user();
    const b = await fx.shop.user();
    const c = await fx.shop.user();
    const codeA = await fx.d.referralCode(ctx, a);
    const codeB = await fx.d.referralCode(ctx, b);
    expect(await start(a, `ref_${codeA}`)).toEqual({ recorded: true, referredBy: null });
    await fx.shop.prisma.$executeRaw`UPDATE users SET start_payload = NULL WHERE id = ${a}::uuid`;
    expect(await start(b, `ref_${codeA}`)).toEqual({ recorded: true, referredBy: a });
    expect(await start(a, `ref_${codeB}`)).toEqual({ recorded: true, referredBy: null });
    // c joins through b (no cycle); a second link later changes nothing.
    expect(await start(c, `ref_${codeB}`)).toEqual({ recorded: true, referredBy: b });
    expect(await start(c, `ref_${codeA}`)).toEqual({ recorded: false, reason: "already_recorded" });
    const rows = await fx.shop.prisma.$queryRaw<Array<{ id: string; referred_by: string | null }>>`
      SELECT id::text, referred_by::text FROM users WHERE id = ANY(${[a, b, c]}::uuid[]) ORDER BY id`;
    expect(new Map(rows.map((r) => [r.id, r.referred_by]))).toEqual(
      new Map([
        [a, null],
        [b, a],
        [c, b],
      ]),
    );
    // A self-referral earns nothing: a buyer whose own code came back pays retail and nobody is rewarded.
    const { userId: self } = await fx.shop.buyer(100_000n);
    await start(self, `ref_${await fx.d.referralCode(ctx, self)}`);
    const { order } = await fx.shopOrder(productId, null, self);
    expect(pricingOf(await fx.shop.order(order.id)).referral).toBeUndefined();
    expect(await fx.wallet(self)).toBe(100_000n - 5_000n);
  });

  it("after the period the referral earns nothing more", async () => {
    const referrer = await fx.shop.user();
    const { userId: buyer } = await fx.shop.buyer(100_000n);
    await start(buyer, `ref_${await fx.d.referralCode(ctx, referrer)}`);
    await fx.shop.prisma
      .$executeRaw`UPDATE users SET referred_at = now() - interval '31 days' WHERE id = ${buyer}::uuid`;
    await fx.shopOrder(productId, null, buyer);
    expect(await fx.wallet(referrer)).toBe(0n);
  });

  it("bad input: an unknown shop, a malformed shop id, a bad rule — refused, nothing changed", async () => {
    const { userId } = await fx.shop.buyer(10_000n);
    const place = (shopId: string) =>
      fx.shop.c.orders.place(
        { ...ctx, actor: { kind: "buyer", userId } },
        { userId, productId, quantity: 1, idempotencyKey: `bad-${shopId}`, payWith: "wallet", shopId },
      );
    await expect(place("00000000-0000-4000-8000-000000000000")).rejects.toMatchObject({ code: "shop_not_found" });
    await expect(place("not-a-shop")).rejects.toMatchObject({ code: "shop_not_found" });
    expect(await fx.wallet(userId)).toBe(10_000n);
    const l1 = await fx.distributor("gold");
    const s = await fx.shopOf(l1);
    for (const bad of [
      { target: "everything", mode: "INHERIT" },
      { target: "all", mode: "HALF_PRICE" },
      { target: "all", mode: "MARKUP_PCT", value: -5 },
      { target: "all", mode: "MARKUP_PCT", value: 200_000 },
    ])
      await expect(
        fx.d.setRule(ctx, { scope: "SHOP", ownerId: s.id, ...(bad as object) } as never),
      ).rejects.toMatchObject({
        type: "invalid_data",
      });
    expect(await fx.d.rules(ctx, "SHOP", s.id)).toEqual([]);
    await expect(fx.d.add(ctx, { userId: "nope" })).rejects.toMatchObject({ code: "invalid_input" });
    await expect(fx.d.add(ctx, { userId, tierId: "platinum" })).rejects.toMatchObject({ code: "tier_not_found" });
    expect(await fx.d.get(ctx, userId)).toBeNull();
    // Only a tier that allows sub-levels may recruit.
    const plain = await fx.distributor("ordinary");
    await expect(fx.d.recruit(ctx, { l1: plain, userId })).rejects.toMatchObject({ code: "tier_no_team" });
    expect(await fx.d.get(ctx, userId)).toBeNull();
  });
});
