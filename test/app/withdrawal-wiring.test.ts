import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWithdrawalsFor } from "../../app/withdrawals.ts";
import { createAudit } from "../../core/audit/index.ts";
import { residentIdCheckChar } from "../../core/kyc/index.ts";
import { asBuyer, systemContext } from "../../core/shared/index.ts";
import { createShop, ctx, type Shop } from "../e2e/support/shop.ts";

const sys = systemContext("test");
const id = (body17: string) => body17 + residentIdCheckChar(body17);

/**
 * Withdrawals as wired in app/withdrawals.ts: the KycCheck is core/kyc's verification (the staff flag stays an
 * override), and a distributor's limits are its tier's.
 */
describe("withdrawals wired to core/kyc and the distributor tiers", () => {
  let shop: Shop;
  beforeAll(async () => {
    shop = await createShop("withdrawkyc", { workers: false });
  });
  afterAll(() => shop.dispose());

  it("refuses an unverified or pending user (nothing held) and accepts the same user once verified", async () => {
    const withdrawals = createWithdrawalsFor(shop.c, createAudit({ sql: shop.c.db.sql, clock: shop.c.clock }));
    const { userId } = await shop.buyer(100_000n);
    const me = asBuyer(ctx, userId);
    const account = await withdrawals.addPayoutAccount(me, {
      userId,
      kind: "alipay",
      account: "13912345678",
      holderName: "张三",
    });
    let n = 0;
    const ask = () =>
      withdrawals.request(me, {
        userId,
        payoutAccountId: account.id,
        amount: 10_000n,
        currency: "CNY",
        idempotencyKey: `wk-${++n}`,
      });
    expect(await ask()).toEqual({ ok: false, code: "kyc_required" });
    const s = await shop.c.kyc.submit(sys, { userId, name: "张三", idNumber: id("44010619900307123") });
    if (!s.ok) throw new Error("submit failed");
    expect(await ask()).toEqual({ ok: false, code: "kyc_required" }); // pending is not verified
    expect(await withdrawals.list(sys, { userId })).toEqual([]);
    await shop.c.kyc.approve(sys, { submissionId: s.submission.id });
    expect(await ask()).toMatchObject({ ok: true, withdrawal: { status: "PENDING", amount: 10_000n } });
  });

  it("holds a distributor to its tier's minimum and fee, and anyone else to the configuration's", async () => {
    const withdrawals = createWithdrawalsFor(shop.c, createAudit({ sql: shop.c.db.sql, clock: shop.c.clock }));
    const verifiedUser = async () => {
      const { userId } = await shop.buyer(100_000n);
      await withdrawals.setKycVerified(sys, { userId, verified: true });
      const account = await withdrawals.addPayoutAccount(asBuyer(ctx, userId), {
        userId,
        kind: "alipay",
        account: "13912345678",
        holderName: "李四",
      });
      return { userId, accountId: account.id };
    };
    const ask = (u: { userId: string; accountId: string }, amount: bigint, key: string) =>
      withdrawals.request(asBuyer(ctx, u.userId), {
        userId: u.userId,
        payoutAccountId: u.accountId,
        amount,
        currency: "CNY",
        idempotencyKey: key,
      });
    const agent = await verifiedUser();
    await shop.c.distribution.add(sys, { userId: agent.userId, tierId: "ordinary" });
    const plain = await verifiedUser();
    // The ordinary tier: minimum ¥100.00 and a 1 % fee; the configuration: minimum ¥10.00, no fee.
    expect(await ask(agent, 5_000n, "a1")).toMatchObject({ ok: false, code: "below_minimum" });
    expect(await ask(agent, 20_000n, "a2")).toMatchObject({ ok: true, withdrawal: { amount: 20_000n, fee: 200n } });
    expect(await ask(plain, 5_000n, "p1")).toMatchObject({ ok: true, withdrawal: { amount: 5_000n, fee: 0n } });
  });
});
