import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CoreContext } from "../../../core/shared/index.ts";
import { ctx } from "../../e2e/support/shop.ts";
import { openDistribution, type DistributionFixture } from "./distribution-fixture.ts";

describe.each([
  ["PostgreSQL", false],
  ["embedded PGlite", true],
] as const)("distributors, applications and who may do what (%s)", (_name, embedded) => {
  let fx: DistributionFixture;
  beforeAll(async () => {
    fx = await openDistribution(`distrib${embedded ? "pg" : ""}`, { embedded });
  });
  afterAll(() => fx.dispose());
  const as = (userId: string, kind: "buyer" | "distributor" = "buyer"): CoreContext =>
    kind === "buyer"
      ? { ...ctx, actor: { kind: "buyer", userId } }
      : { ...ctx, actor: { kind: "distributor", userId, via: "api" } };

  it("applies in chat (/agent), staff approve once; a rejected applicant may apply again", async () => {
    const u = await fx.shop.user();
    expect(await fx.d.apply(as(u), u)).toMatchObject({ userId: u, status: "PENDING" });
    expect(await fx.d.apply(as(u), u)).toMatchObject({ status: "PENDING" });
    expect((await fx.d.applications(ctx)).map((a) => a.userId)).toContain(u);
    await expect(fx.d.applications(as(u))).rejects.toMatchObject({ type: "forbidden" });
    await expect(fx.d.decide(as(u), { userId: u, approve: true })).rejects.toMatchObject({ type: "forbidden" });
    const decisions = await Promise.allSettled(
      Array.from({ length: 5 }, () => fx.d.decide(ctx, { userId: u, approve: true, note: "ok" })),
    );
    expect(decisions.filter((d) => d.status === "fulfilled")).toHaveLength(1);
    expect((await fx.d.get(ctx, u))!.tierId).toBe("ordinary");
    await expect(fx.d.apply(as(u), u)).rejects.toMatchObject({ code: "already_distributor" });

    const v = await fx.shop.user();
    await fx.d.apply(as(v), v);
    expect(await fx.d.decide(ctx, { userId: v, approve: false })).toMatchObject({ status: "REJECTED" });
    expect(await fx.d.get(ctx, v)).toBeNull();
    expect(await fx.d.apply(as(v), v)).toMatchObject({ status: "PENDING" });
    // Someone else's application: not theirs to make.
    await expect(fx.d.apply(as(u), v)).rejects.toMatchObject({ type: "forbidden" });
  });

  it("a distributor manages its own shop's rules and team; another's answer not found; the chain stays two levels", async () => {
    const a = await fx.distributor("gold");
    const b = await fx.distributor("gold");
    const shopA = await fx.d.createShop(as(a, "distributor"), { ownerId: a, name: "A's shop" });
    await fx.d.setRule(as(a, "distributor"), {
      scope: "SHOP",
      ownerId: shopA.id,
      target: "all",
      mode: "MARKUP_PCT",
      value: 500n,
    });
    await expect(
      fx.d.setRule(as(b, "distributor"), { scope: "SHOP", ownerId: shopA.id, target: "all", mode: "INHERIT" }),
    ).rejects.toMatchObject({ code: "distributor_not_found" });
    await expect(fx.d.createShop(as(b, "distributor"), { ownerId: a, name: "mine now" })).rejects.toMatchObject({
      code: "distributor_not_found",
    });
    expect(await fx.d.rules(as(a, "distributor"), "SHOP", shopA.id)).toEqual([
      { scope: "SHOP", ownerId: shopA.id, target: "all", mode: "MARKUP_PCT", value: 500n },
    ]);
    const l2 = await fx.shop.user();
    await fx.d.recruit(as(a, "distributor"), { l1: a, userId: l2 });
    expect((await fx.d.team(as(a, "distributor"), a)).map((d) => d.userId)).toEqual([l2]);
    await expect(fx.d.team(as(b, "distributor"), a)).rejects.toMatchObject({ code: "distributor_not_found" });
    // Two levels at most: the L2 cannot recruit; the L1 cannot join another team; the L2 cannot change teams.
    const other = await fx.shop.user();
    await expect(fx.d.recruit(ctx, { l1: l2, userId: other })).rejects.toMatchObject({ code: "team_too_deep" });
    await expect(fx.d.recruit(ctx, { l1: b, userId: a })).rejects.toMatchObject({ code: "already_in_team" });
    await expect(fx.d.recruit(ctx, { l1: b, userId: l2 })).rejects.toMatchObject({ code: "already_in_team" });
    expect((await fx.d.get(ctx, l2))!.parentId).toBe(a);
  });

  it("a two-level shop order settles and refunds exactly, ledger check and reconcile pass", async () => {
    const product = await fx.shop.codeProduct({ price: 10_000n, stock: 5, cost: 6_000n });
    const l1 = await fx.distributor("gold");
    const l2 = await fx.distributor("ordinary", l1);
    const s = await fx.shopOf(l2, { target: "all", mode: "FIXED_OVER_COST", value: 1_000n });
    const { userId, order } = await fx.shopOrder(product.id, s.id);
    expect(order.total).toBe(10_700n);
    expect([await fx.wallet(l1), await fx.wallet(l2)]).toEqual([600n, 1_000n]);
    expect(await fx.invariantsOk()).toBe(true);
    await fx.shop.c.orders.refund(ctx, { orderId: order.id, reason: "test" });
    expect([await fx.wallet(l1), await fx.wallet(l2), await fx.wallet(userId)]).toEqual([0n, 0n, 1_000_000n]);
    expect(await fx.invariantsOk()).toBe(true);
  });
});
