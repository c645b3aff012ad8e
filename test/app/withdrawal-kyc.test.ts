import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWithdrawalsFor } from "../../app/withdrawals.ts";
import { createAudit } from "../../core/audit/index.ts";
import { residentIdCheckChar } from "../../core/kyc/index.ts";
import { asBuyer, systemContext } from "../../core/shared/index.ts";
import { createShop, ctx, type Shop } from "../e2e/support/shop.ts";

const sys = systemContext("test");
const id = (body17: string) => body17 + residentIdCheckChar(body17);

/** Withdrawals' KycCheck is core/kyc's verification as wired in app/withdrawals.ts (the staff flag stays an override). */
describe("a withdrawal needs real-name verification through core/kyc", () => {
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
});
