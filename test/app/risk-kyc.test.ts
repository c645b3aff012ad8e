import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { residentIdCheckChar } from "../../core/kyc/index.ts";
import { asBuyer, sql, systemContext } from "../../core/shared/index.ts";
import { createShop, ctx, type Shop } from "../e2e/support/shop.ts";

const sys = systemContext("test");
const id = (body17: string) => body17 + residentIdCheckChar(body17);

/** Risk's `buyer.kyc` signal is core/kyc's state (app/container.ts): a verified buyer passes the KYC rule. */
describe("risk's KYC rule reads core/kyc", () => {
  let shop: Shop;
  beforeAll(async () => {
    shop = await createShop("riskkyc", { workers: false, env: { RISK_ENABLED: "true" } });
  });
  afterAll(() => shop.dispose());

  it("asks an unverified (or pending) buyer for KYC above 2,000.00 and lets the same buyer buy once verified", async () => {
    const product = await shop.codeProduct({ price: 200_001n, stock: 3 });
    const { userId } = await shop.buyer(1_000_000n);
    await shop.c.db.sql.execute(
      sql`UPDATE users SET created_at = now() - interval '3 days' WHERE id = ${userId}::uuid`,
    );
    let n = 0;
    const place = () =>
      shop.c.orders.place(asBuyer(ctx, userId), {
        userId,
        productId: product.id,
        quantity: 1,
        idempotencyKey: `rk-${++n}`,
        payWith: "wallet",
      });
    expect(await place()).toMatchObject({ ok: false, code: "kyc_required" });
    const s = await shop.c.kyc.submit(sys, { userId, name: "张三", idNumber: id("44010619900307123") });
    if (!s.ok) throw new Error("submit failed");
    expect(await place()).toMatchObject({ ok: false, code: "kyc_required" }); // pending is not verified
    await shop.c.kyc.approve(sys, { submissionId: s.submission.id });
    expect((await place()).ok).toBe(true);
  });
});
