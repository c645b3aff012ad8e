import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDistribution } from "../../../core/distribution/index.ts";
import { ManualClock, type CoreContext } from "../../../core/shared/index.ts";
import { ctx } from "../../e2e/support/shop.ts";
import { openDistribution, type DistributionFixture } from "./distribution-fixture.ts";

/** Group bindings in the core: who may bind, unbind and switch the feed; the cached lookup; bad input. */
describe("group shops (core/distribution)", () => {
  let fx: DistributionFixture;
  let owner: string;
  let shopId: string;
  const as = (userId: string): CoreContext => ({ ...ctx, actor: { kind: "buyer", userId } });
  const staff = (role: "operator" | "viewer"): CoreContext => ({
    ...ctx,
    actor: { kind: "staff", userId: "00000000-0000-7000-8000-000000000001", role },
  });
  const rows = (chatId: string) => fx.shop.prisma.groupShop.findMany({ where: { channel: "telegram", chatId } });

  beforeAll(async () => {
    fx = await openDistribution("gsbind");
    owner = await fx.distributor("gold");
    shopId = (await fx.shopOf(owner)).id;
  });
  afterAll(() => fx.dispose());

  it("binds for the owner-admin; a second owner cannot take the group; unbind by the owner or staff only", async () => {
    const g = { channel: "telegram", chatId: "-200001" } as const;
    expect(await fx.d.bindGroup(as(owner), { ...g, shopId, callerIsGroupAdmin: true })).toMatchObject({
      ok: true,
      binding: { shopId, boundBy: owner, salesFeed: false },
    });
    const other = await fx.distributor("ordinary");
    const otherShop = (await fx.shopOf(other)).id;
    expect(await fx.d.bindGroup(as(other), { ...g, shopId: otherShop, callerIsGroupAdmin: true })).toEqual({
      ok: false,
      code: "bound_to_other_owner",
    });
    expect(await fx.d.unbindGroup(as(other), g)).toEqual({ ok: false, code: "not_shop_owner" });
    await expect(fx.d.unbindGroup(staff("viewer"), g)).rejects.toMatchObject({ type: "forbidden" });
    expect(await rows(g.chatId)).toMatchObject([{ shopId }]);
    expect(await fx.d.unbindGroup(staff("operator"), g)).toMatchObject({ ok: true });
    expect(await fx.d.unbindGroup(as(owner), g)).toEqual({ ok: false, code: "not_bound" });
    expect(await rows(g.chatId)).toEqual([]);
  });

  it("a buyer who is no distributor is refused, nothing bound", async () => {
    const buyer = await fx.shop.user();
    const g = { channel: "telegram", chatId: "-200002" } as const;
    expect(await fx.d.bindGroup(as(buyer), { ...g, shopId, callerIsGroupAdmin: true })).toEqual({
      ok: false,
      code: "not_distributor",
    });
    expect(await rows(g.chatId)).toEqual([]);
  });

  it("the sales feed: the owner or a group admin; bad input is refused naming the field, nothing changed", async () => {
    const g = { channel: "telegram", chatId: "-200003" } as const;
    await fx.d.bindGroup(as(owner), { ...g, shopId, callerIsGroupAdmin: true });
    const member = await fx.shop.user();
    expect(await fx.d.setGroupSalesFeed(as(member), { ...g, on: true, callerIsGroupAdmin: false })).toEqual({
      ok: false,
      code: "not_allowed",
    });
    expect(await fx.d.setGroupSalesFeed(as(member), { ...g, on: true, callerIsGroupAdmin: true })).toMatchObject({
      ok: true,
      binding: { salesFeed: true },
    });
    await expect(
      fx.d.bindGroup(as(owner), { ...g, shopId: "not-a-shop", callerIsGroupAdmin: true }),
    ).rejects.toMatchObject({ code: "invalid_input", message: expect.stringContaining("shopId") });
    await expect(
      fx.d.bindGroup(as(owner), { channel: "fax", chatId: "", shopId, callerIsGroupAdmin: true }),
    ).rejects.toMatchObject({ code: "invalid_input" });
    await expect(fx.d.salesFeedTargets(as(owner), "00000000-0000-7000-8000-000000000002")).rejects.toMatchObject({
      type: "forbidden",
    });
    expect(await rows(g.chatId)).toMatchObject([{ shopId, salesFeed: true }]);
  });

  it("groupShopOf is cached per process: this process sees its own changes at once, another's after the TTL", async () => {
    const c = fx.shop.c;
    const clock = new ManualClock(new Date("2027-01-10T12:00:00Z"));
    const other = createDistribution({
      sql: c.db.sql,
      clock,
      ledger: c.ledger,
      receivableCode: () => "unused",
      referral: { bps: 0, periodDays: 1 },
      maxOverRetailBps: null,
    });
    const g = { channel: "telegram", chatId: "-200004" } as const;
    expect(await other.groupShopOf(ctx, g.channel, g.chatId)).toBeNull();
    await fx.d.bindGroup(as(owner), { ...g, shopId, callerIsGroupAdmin: true });
    expect(await fx.d.groupShopOf(ctx, g.channel, g.chatId)).toEqual({ shopId });
    expect(await other.groupShopOf(ctx, g.channel, g.chatId)).toBeNull(); // remembered "none"
    clock.advance(10_001);
    expect(await other.groupShopOf(ctx, g.channel, g.chatId)).toEqual({ shopId });
    await other.unbindGroup(as(owner), g);
    expect(await other.groupShopOf(ctx, g.channel, g.chatId)).toBeNull();
  });
});
