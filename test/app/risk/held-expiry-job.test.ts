import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asBuyer, sql } from "../../../core/shared/index.ts";
import { CLEAN, createShop, ctx, type Shop } from "../../e2e/support/shop.ts";

/** The scheduled `expire-held-orders` job: a held order nobody decided in RISK_REVIEW_TIMEOUT_MINUTES is refunded. */
describe("held orders not reviewed in time are refunded by the scheduled job", () => {
  let shop: Shop;
  beforeAll(async () => {
    shop = await createShop("riskheldjob", {
      env: { RISK_ENABLED: "true", RISK_REVIEW_TIMEOUT_MINUTES: "1" },
      container: { workerTuning: { repeatEveryMs: { "expire-held-orders": 200 } } },
    });
  });
  afterAll(() => shop.dispose());

  it("refunds the overdue held order to the wallet and leaves a fresh one held", async () => {
    const p = await shop.codeProduct({ price: 80_000n, stock: 4 });
    const place = async () => {
      const { userId } = await shop.buyer(100_000n);
      const r = await shop.c.orders.place(asBuyer(ctx, userId), {
        userId,
        productId: p.id,
        quantity: 1,
        idempotencyKey: `held-${userId}`,
        payWith: "wallet",
      });
      if (!r.ok) throw new Error(r.code);
      expect(r.order.status).toBe("HELD_FOR_REVIEW");
      return { userId, order: r.order };
    };
    const overdue = await place();
    const fresh = await place();
    await shop.c.db.sql.execute(
      sql`UPDATE orders SET updated_at = now() - interval '2 minutes' WHERE id = ${overdue.order.id}::uuid`,
    );
    await shop.waitForStatus([overdue.order.id], ["REFUNDED"]);
    expect(await shop.walletBalance(overdue.userId)).toBe(100_000n);
    expect((await shop.order(fresh.order.id)).status).toBe("HELD_FOR_REVIEW");
    expect(await shop.c.risk.caseFor(ctx, { subjectId: overdue.order.id })).toMatchObject({ status: "EXPIRED" });
    expect(await shop.invariants()).toEqual(CLEAN);
  });
});
