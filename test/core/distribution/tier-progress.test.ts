import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "../../../core/shared/index.ts";
import { ctx } from "../../e2e/support/shop.ts";
import { openDistribution, type DistributionFixture } from "./distribution-fixture.ts";

describe("tiers move with rolling volume: up at the crossing delivery, down after a full period below, pinned never", () => {
  let fx: DistributionFixture;
  beforeAll(async () => {
    fx = await openDistribution("disttier", { workers: true });
    fx.shop.c.events.host(fx.shop.c.distributionBookkeeper);
  });
  afterAll(() => fx.dispose());

  const tierChanges = async (userId: string) =>
    (
      await fx.shop.prisma.$queryRaw<Array<{ payload: { fromTier: string; toTier: string; reason: string } }>>`
        SELECT payload FROM outbox_events WHERE type = 'distributor.tier_changed' AND payload->>'userId' = ${userId}
        ORDER BY id`
    ).map((r) => `${r.payload.fromTier}→${r.payload.toTier} (${r.payload.reason})`);
  async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
    for (let i = 0; i < 200; i++) {
      const v = await read();
      if (ok(v)) return v;
      await sleep(50);
    }
    return read();
  }

  it("the delivery that crosses silver's 5,000.00 upgrades the shop's owner (event for the chat); a debt is netted from commission", async () => {
    const product = await fx.shop.codeProduct({ price: 300_000n, stock: 5, cost: 200_000n });
    const l1 = await fx.distributor("ordinary");
    const s = await fx.shopOf(l1, { target: "all", mode: "FIXED_OVER_COST", value: 1_000n });
    await fx.shopOrder(product.id, s.id);
    await sleep(300);
    expect((await fx.d.get(ctx, l1))!.tierId).toBe("ordinary"); // 3,010.00 of 5,000.00
    // The L1 owes 4.00 (a clawback its wallet could not cover, as a refund would book it).
    await fx.shop.c.ledger.post(ctx, {
      idempotencyKey: `owe:${l1}`,
      kind: "test_receivable",
      legs: [
        { account: `receivable:${l1}:CNY`, amount: -400n },
        { account: "system:platform_cash:CNY", amount: 400n },
      ],
    });
    const wallet = await fx.wallet(l1);
    await fx.shopOrder(product.id, s.id);
    const tier = await until(
      async () => (await fx.d.get(ctx, l1))!.tierId,
      (t) => t === "silver",
    );
    expect(tier).toBe("silver");
    expect(await tierChanges(l1)).toEqual(["ordinary→silver (upgrade)"]);
    await until(
      () => fx.receivable(l1),
      (r) => r === 0n,
    );
    expect(await fx.receivable(l1)).toBe(0n);
    expect(await fx.wallet(l1)).toBe(wallet + 1_000n - 400n);
    expect(await fx.invariantsOk()).toBe(true);
  });

  it("a downgrade waits a full period below (hysteresis), steps one tier, and never touches a pinned tier", async () => {
    const l1 = await fx.distributor("gold");
    const pinned = await fx.distributor("gold");
    await fx.d.pin(ctx, { userId: pinned, pinned: true });
    const mine = (cs: Array<{ userId: string }>) => cs.filter((c) => c.userId === l1 || c.userId === pinned);
    // First sweep below the threshold only marks when it started.
    expect(mine(await fx.d.sweepDowngrades(ctx))).toEqual([]);
    expect((await fx.d.get(ctx, l1))!.belowSince).not.toBeNull();
    expect(mine(await fx.d.sweepDowngrades(ctx))).toEqual([]);
    // A full period later: one step down.
    await fx.shop.prisma.$executeRaw`UPDATE distributors SET below_since = now() - interval '31 days'
      WHERE user_id = ANY(${[l1, pinned]}::uuid[])`;
    expect(mine(await fx.d.sweepDowngrades(ctx))).toEqual([{ userId: l1, fromTier: "gold", toTier: "silver" }]);
    expect((await fx.d.get(ctx, l1))!.tierId).toBe("silver");
    expect((await fx.d.get(ctx, pinned))!.tierId).toBe("gold");
    expect(await tierChanges(l1)).toEqual(["gold→silver (downgrade)"]);
    // Volume back above silver's threshold clears the mark: no flapping.
    await fx.d.sweepDowngrades(ctx);
    await fx.d.recordDelivery(ctx, {
      orderId: "00000000-0000-4000-8000-00000000abcd",
      userIds: [l1],
      amount: 600_000n,
      deliveredAt: fx.shop.c.clock.now(),
    });
    await fx.shop.prisma
      .$executeRaw`UPDATE distributors SET below_since = now() - interval '31 days' WHERE user_id = ${l1}::uuid`;
    expect(mine(await fx.d.sweepDowngrades(ctx))).toEqual([]);
    expect((await fx.d.get(ctx, l1))!).toMatchObject({ tierId: "silver", belowSince: null });
  });

  it("staff set and pin a tier (event reason staff); a customer may not", async () => {
    const l1 = await fx.distributor("ordinary");
    await fx.d.setTier(ctx, { userId: l1, tierId: "core", pin: true });
    expect((await fx.d.get(ctx, l1))!).toMatchObject({ tierId: "core", tierPinned: true });
    expect(await tierChanges(l1)).toEqual(["ordinary→core (staff)"]);
    await expect(
      fx.d.setTier({ ...ctx, actor: { kind: "distributor", userId: l1, via: "api" } }, { userId: l1, tierId: "gold" }),
    ).rejects.toMatchObject({ type: "forbidden" });
    await expect(fx.d.setTier(ctx, { userId: l1, tierId: "diamond" })).rejects.toMatchObject({
      code: "tier_not_found",
    });
    expect((await fx.d.get(ctx, l1))!.tierId).toBe("core");
  });
});
