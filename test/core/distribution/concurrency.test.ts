import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pricingOf } from "../../../core/orders/index.ts";
import { CLEAN, ctx } from "../../e2e/support/shop.ts";
import { openDistribution, type DistributionFixture } from "./distribution-fixture.ts";

describe("distribution under concurrency (real PostgreSQL, parallel calls)", () => {
  let fx: DistributionFixture;
  afterAll(() => fx.dispose());
  beforeAll(async () => {
    fx = await openDistribution("distconc");
  });

  it("200 concurrent shop orders across 3 shops and 2 levels: every commission exactly once", async () => {
    const stocked = await fx.shop.codeProduct({ price: 5_000n, stock: 120, cost: 3_000n });
    const direct = await fx.shop.codeProduct({ price: 2_000n, stock: 100, cost: 1_500n });
    const l1a = await fx.distributor("gold");
    const l2a = await fx.distributor("ordinary", l1a);
    const l1b = await fx.distributor("silver");
    await fx.d.setRule(ctx, { scope: "TEAM", ownerId: l1a, target: "all", mode: "MARKUP_PCT", value: 200n });
    const shops = [
      (await fx.shopOf(l1a, { target: "all", mode: "MARKUP_PCT", value: 500n })).id,
      (await fx.shopOf(l2a, { target: "all", mode: "FIXED_OVER_COST", value: 150n })).id,
      (await fx.shopOf(l1b)).id,
    ];
    const buyers = await Promise.all(Array.from({ length: 50 }, async () => (await fx.shop.buyer(1_000_000n)).userId));
    const before = new Map<string, bigint>();
    for (const u of [l1a, l2a, l1b]) before.set(u, await fx.wallet(u));

    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        fx.shopOrder(i % 2 ? stocked.id : direct.id, shops[i % 3]!, buyers[i % 50]!, `conc-${i}`),
      ),
    );
    expect(results.every((r) => r.order.status === "DELIVERED")).toBe(true);
    // What each distributor should have earned, from the breakdowns stored on the orders.
    const expected = new Map<string, bigint>([
      [l1a, 0n],
      [l2a, 0n],
      [l1b, 0n],
    ]);
    for (const r of results) {
      const p = pricingOf(await fx.shop.order(r.order.id));
      for (const l of p.chain!.levels) expected.set(l.userId, expected.get(l.userId)! + (l.unitSale - l.unitCost));
    }
    for (const [u, e] of expected) {
      expect(e).toBeGreaterThan(0n);
      expect((await fx.wallet(u)) - before.get(u)!).toBe(e);
    }
    // One commission entry per order per level.
    const entries = await fx.shop.prisma.$queryRaw<Array<{ n: bigint }>>`
      SELECT count(*) AS n FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
      JOIN ledger_transactions t ON t.id = e.transaction_id
      WHERE t.kind = 'order_settlement' AND a.code = ANY(${[l1a, l2a, l1b].map(fx.walletCode)}::text[])`;
    // Shops 0 and 2 have one level, shop 1 two: 67 + 2·67 + 66 entries.
    expect(Number(entries[0]!.n)).toBe(67 + 2 * 67 + 66);
    expect(await fx.shop.invariants()).toEqual(CLEAN);
  });

  it("a tier upgrade crossing during 30 concurrent deliveries happens exactly once, with one event", async () => {
    const l1 = await fx.distributor("ordinary");
    // Silver needs 5,000.00 of 30-day volume: 30 deliveries of 200.00 cross it at the 25th.
    const at = fx.shop.c.clock.now();
    const changes = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        fx.d.recordDelivery(ctx, {
          orderId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
          userIds: [l1],
          amount: 20_000n,
          deliveredAt: at,
        }),
      ),
    );
    expect(changes.flat()).toEqual([{ userId: l1, fromTier: "ordinary", toTier: "silver" }]);
    expect((await fx.d.get(ctx, l1))!.tierId).toBe("silver");
    const events = await fx.shop.prisma.$queryRaw<Array<{ payload: unknown }>>`
      SELECT payload FROM outbox_events WHERE type = 'distributor.tier_changed' AND payload->>'userId' = ${l1}`;
    expect(events.map((e) => e.payload)).toEqual([
      { userId: l1, fromTier: "ordinary", toTier: "silver", reason: "upgrade" },
    ]);
    // The same deliveries counted again change nothing (keyed by order).
    const again = await fx.d.recordDelivery(ctx, {
      orderId: "00000000-0000-4000-8000-000000000000",
      userIds: [l1],
      amount: 20_000n,
      deliveredAt: at,
    });
    expect(again).toEqual([]);
  });
});
