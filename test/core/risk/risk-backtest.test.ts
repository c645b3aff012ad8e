import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaffConsole } from "../../../app/staff-console.ts";
import { newId, sql, type CoreContext } from "../../../core/shared/index.ts";
import { createShop, type Shop } from "../../e2e/support/shop.ts";
import { staffContexts } from "../staff/staff-contexts.ts";

/*
 * The backtest (docs/risk.md): the last N days of orders replayed through the rules with counters of its
 * own — seeded history gives known hold and block counts, and nothing is written.
 */
describe("risk backtest over seeded history", () => {
  let shop: Shop;
  let staff: Record<string, CoreContext> = {};
  const MIN = 60_000;

  beforeAll(async () => {
    shop = await createShop("riskbacktest", { workers: false });
    staff = await staffContexts(createStaffConsole(shop.c), { ada: "admin", sam: "support", vic: "viewer" });
  });
  afterAll(() => shop.dispose());

  async function seed(userId: string, productId: string, at: Date, total: bigint, target: string | null = null) {
    await shop.c.db.sql.execute(sql`
      INSERT INTO orders (id, user_id, idempotency_key, request_hash, channel, product_id, quantity, unit_price, total,
                          currency, target, status, expires_at, created_at, updated_at)
      VALUES (${newId()}::uuid, ${userId}::uuid, ${newId()}::text, 'seed', 'web', ${productId}::uuid, 1, ${total}::bigint,
              ${total}::bigint, 'CNY', ${target}::text, 'DELIVERED', ${at}::timestamptz, ${at}::timestamptz, ${at}::timestamptz)`);
  }

  it("counts what the default rules would have held and refused, and changes nothing", async () => {
    const p = await shop.codeProduct({ price: 100n, stock: 1 });
    const start = Date.now() - 2 * 86_400_000;
    // 8 orders from one buyer within 8 minutes: the 6th, 7th and 8th break "max 5 per 10 min" (block).
    const quick = await shop.user();
    await shop.c.db.sql.execute(
      sql`UPDATE users SET created_at = now() - interval '30 days' WHERE id = ${quick}::uuid`,
    );
    for (let i = 0; i < 8; i++) await seed(quick, p.id, new Date(start + i * MIN), 100n);
    // 5 buyers on one phone number within 50 minutes: the 4th and 5th are held (many buyers on one target).
    for (let i = 0; i < 5; i++) {
      const u = await shop.user();
      await shop.c.db.sql.execute(sql`UPDATE users SET created_at = now() - interval '30 days' WHERE id = ${u}::uuid`);
      await seed(u, p.id, new Date(start + 60 * MIN + i * 10 * MIN), 100n, "13700001111");
    }
    // Outside the window: 40 days ago.
    await seed(quick, p.id, new Date(Date.now() - 40 * 86_400_000), 100n);
    const [before] = await shop.c.db.sql.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM risk_cases`);

    const r = await shop.c.risk.backtest(staff.sam!, { days: 7 });
    expect(r.orders).toBe(13);
    expect(r.outcomes).toEqual({ allow: 8, review: 2, kyc_required: 0, block: 3 });
    expect(r.byRule).toMatchObject({ "buyer-velocity": 3, "many-buyers-one-target": 2, "blocklist-hit": 0 });
    expect(r.examples.map((e) => e.outcome)).toEqual(["block", "block", "block", "review", "review"]);

    const [after] = await shop.c.db.sql.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM risk_cases`);
    expect(after!.n).toBe(before!.n);
  });

  it("refuses a bad window, and a viewer (no risk.read)", async () => {
    await expect(shop.c.risk.backtest(staff.vic!, { days: 7 })).rejects.toMatchObject({ type: "forbidden" });
    await expect(shop.c.risk.backtest(staff.ada!, { days: 0 })).rejects.toMatchObject({
      code: "invalid_backtest_days",
    });
    await expect(shop.c.risk.backtest(staff.ada!, { days: 91 })).rejects.toMatchObject({
      code: "invalid_backtest_days",
    });
  });
});
