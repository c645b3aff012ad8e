import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeBots, type ComposedBots } from "../../../bots/compose.ts";
import { createGroupShopBot } from "../../../bots/groupshop/index.ts";
import { parseShopLink, shopLinkPayload } from "../../../bots/shop-links.ts";
import {
  countRateLimitViolations,
  createTelegramChannel,
  type TelegramChannel,
} from "../../../channels/telegram/index.ts";
import { ManualClock, type CoreContext } from "../../../core/shared/index.ts";
import { openDistribution, type DistributionFixture } from "../../core/distribution/distribution-fixture.ts";
import { ctx } from "../../e2e/support/shop.ts";
import { FAKE_BOT_INFO, FakeBotApi, MESSAGE_METHODS, type RecordedCall } from "../../channels/telegram/fake-bot-api.ts";
import { callbackUpdate, textUpdate, type TgUser } from "../../channels/telegram/updates.ts";

/**
 * The group-shop bot through grammY (the Bot API faked at HTTP), the real router and composition, and the
 * real core on PostgreSQL: binding (who may), the window at the shop's prices, deep links that carry the
 * shop, the opt-in sales feed (no buyer, no code), the per-group budget, and silence toward what is not ours.
 */
const GROUP_WINDOW_MS = 3_000; // Telegram's 20 per minute per group, scaled down so a test never waits a minute
const OWNER: TgUser = { id: 5001, first_name: "Owner", language_code: "en" };
const STRANGER: TgUser = { id: 5002, first_name: "Stranger", language_code: "en" };
const MEMBER: TgUser = { id: 5003, first_name: "Member", language_code: "en" };
const visitor: CoreContext = { ...ctx, actor: { kind: "visitor" } };

let fx: DistributionFixture;
let api: FakeBotApi;
let channel: TelegramChannel;
let bots: ComposedBots;
let ownerId: string;
let shopA: { id: string; name: string };
let shopB: { id: string; name: string };
let categoryId: string;
const products: { id: string; nameEn: string }[] = [];
let groupSeq = -1_000_100;
const feedClock = new ManualClock(new Date("2027-01-10T10:00:00Z"));

beforeAll(async () => {
  fx = await openDistribution("groupshop");
  const c = fx.shop.c;
  api = new FakeBotApi();
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  channel = await createTelegramChannel({
    token: "123:FAKE",
    botInfo: FAKE_BOT_INFO,
    fetch: api.fetch,
    db: c.db.sql,
    handler: (turn) => bots.router.handle(turn),
    logger: quiet,
    limits: { perChatIntervalMs: 10, marginMs: 0, groupWindowMs: GROUP_WINDOW_MS },
  });
  bots = composeBots({
    sql: c.db.sql,
    clock: c.clock,
    secrets: c.secrets,
    catalog: c.catalog,
    inventory: c.inventory,
    orders: c.orders,
    ledger: c.ledger,
    channels: { telegram: channel.capabilities },
    // As app/chat.ts registers it, with a clock of the test's for the sales feed's budget.
    groupShop: (kit) =>
      createGroupShopBot({
        distribution: c.distribution,
        identity: kit.identity,
        i18n: kit.i18n,
        clock: feedClock,
        buttonKey: kit.buttonKey("groupshop"),
        channels: kit.channels,
        feedLocale: "en",
      }),
    groupShopOf: (ch, chatId) => c.distribution.groupShopOf(ctx, ch, chatId),
  });
  const who = await bots.kit.identity.resolve(visitor, {
    channel: "telegram",
    externalId: String(OWNER.id),
    displayName: "Owner",
    languageCode: "en",
  });
  ownerId = who.user.id;
  await fx.d.add(ctx, { userId: ownerId, tierId: "gold" }); // 9% off retail
  shopA = await fx.shopOf(ownerId, { target: "all", mode: "MARKUP_PCT", value: 1_000n }); // cost + 10%
  shopB = await fx.shopOf(ownerId);
  const cat = await fx.shop.category("gs-cards");
  categoryId = cat.id;
  for (let i = 1; i <= 8; i++) {
    const p = await c.catalog.upsertProduct(ctx, {
      sku: `GS-${i}`,
      categoryId,
      nameZh: `游戏卡${i}`,
      nameEn: `Game card ${i}`,
      faceValue: 10_000n * BigInt(i),
      currency: "CNY",
      price: 10_000n * BigInt(i),
      deliveryKind: "CODE",
    });
    products.push({ id: p.id, nameEn: p.nameEn });
  }
  await fx.shop.importCodes(products[0]!.id, 80);
}, 60_000);

afterAll(async () => {
  await channel?.stop();
  await fx?.dispose();
});

const newGroup = () => groupSeq--;
const sentTo = (group: number, from = 0): RecordedCall[] =>
  api.calls.slice(from).filter((c) => MESSAGE_METHODS.has(c.method) && String(c.payload.chat_id) === String(group));
const textOf = (c: RecordedCall) => String(c.payload.text ?? "");
type Markup = { inline_keyboard?: Array<Array<{ text: string; callback_data?: string; url?: string }>> };
const buttonsOf = (c: RecordedCall) => ((c.payload.reply_markup as Markup | undefined)?.inline_keyboard ?? []).flat();
const button = (c: RecordedCall, label: RegExp) => {
  const b = buttonsOf(c).find((x) => label.test(x.text));
  if (!b) throw new Error(`no button ${label} in ${JSON.stringify(buttonsOf(c).map((x) => x.text))}`);
  return b;
};
const bindings = (group: number) =>
  fx.shop.prisma.groupShop.findMany({ where: { channel: "telegram", chatId: String(group) } });

/** Sends an update and waits until its replies reached the fake Bot API; returns what this group got. */
async function say(user: TgUser, group: number, text: string): Promise<RecordedCall[]> {
  const mark = api.calls.length;
  await channel.handleUpdate(textUpdate(user, text, { groupId: group }));
  await channel.drain();
  return sentTo(group, mark);
}
async function press(user: TgUser, group: number, data: string): Promise<RecordedCall[]> {
  const mark = api.calls.length;
  await channel.handleUpdate(callbackUpdate(user, data, { groupId: group }));
  await channel.drain();
  return sentTo(group, mark);
}

describe("binding a group to a shop", () => {
  it("refuses a group member who is not a distributor, and binds nothing", async () => {
    const g = newGroup();
    api.setMember(g, STRANGER.id, "administrator");
    const got = await say(STRANGER, g, "/bindshop");
    expect(got.map(textOf).join("\n")).toMatch(/Only distributors can bind/);
    expect(await bindings(g)).toEqual([]);
  });

  it("refuses a distributor who is not an admin of the group, and binds nothing", async () => {
    const g = newGroup();
    api.setMember(g, OWNER.id, "member");
    const got = await say(OWNER, g, "/bindshop 1");
    expect(got.map(textOf).join("\n")).toMatch(/Only an admin of this group/);
    expect(await bindings(g)).toEqual([]);
    // The core refuses too, whatever a bot claims it was told.
    const asOwner = { ...ctx, actor: { kind: "buyer" as const, userId: ownerId } };
    const r = await fx.d.bindGroup(asOwner, {
      channel: "telegram",
      chatId: String(g),
      shopId: shopA.id,
      callerIsGroupAdmin: false,
    });
    expect(r).toEqual({ ok: false, code: "not_group_admin" });
    // Someone else's shop is "not found", never bound.
    const other = await fx.distributor("gold");
    const theirs = await fx.shopOf(other);
    expect(
      await fx.d.bindGroup(asOwner, {
        channel: "telegram",
        chatId: String(g),
        shopId: theirs.id,
        callerIsGroupAdmin: true,
      }),
    ).toEqual({ ok: false, code: "shop_not_found" });
    expect(await bindings(g)).toEqual([]);
  });

  it("the owner, an admin, chooses among its shops; bad numbers are answered; /unbind unbinds", async () => {
    const g = newGroup();
    api.setMember(g, OWNER.id, "creator");
    const choice = await say(OWNER, g, "/bindshop");
    expect(textOf(choice[0]!)).toMatch(/Which of your shops/);
    expect(buttonsOf(choice[0]!)).toHaveLength(2);
    expect(await bindings(g)).toEqual([]);
    expect((await say(OWNER, g, "/bindshop 9")).map(textOf).join("\n")).toMatch(/no shop number 9/);
    expect((await say(OWNER, g, "/bindshop two")).map(textOf).join("\n")).toMatch(/no shop number two/);
    expect(await bindings(g)).toEqual([]);

    const bound = await press(OWNER, g, button(choice[0]!, /^1\./).callback_data!);
    expect(textOf(bound[0]!)).toMatch(new RegExp(`now the window of ${shopA.name}`));
    expect(textOf(bound[1]!)).toMatch(/choose a category/); // the window is posted at once
    expect(await bindings(g)).toMatchObject([{ shopId: shopA.id, boundBy: ownerId, salesFeed: false }]);
    expect(await bots.router.route(groupTurn(g))).toEqual({ bot: "groupshop", shopId: shopA.id });

    // A member who does not own the shop cannot unbind it.
    expect((await say(MEMBER, g, "/unbind")).map(textOf).join("\n")).toMatch(/Only the shop's owner/);
    expect(await bindings(g)).toHaveLength(1);
    expect((await say(OWNER, g, "/unbind")).map(textOf).join("\n")).toMatch(/no longer shows a shop/);
    expect(await bindings(g)).toEqual([]);
    // Seen at once in this process: the group is the shop bot's again.
    expect(await bots.router.route(groupTurn(g))).toEqual({ bot: "shop" });
  });
});

function groupTurn(g: number) {
  return {
    id: `rt${g}`,
    channel: "telegram" as const,
    chat: { id: String(g), kind: "group" as const },
    from: { externalId: String(MEMBER.id), displayName: "Member" },
    input: { kind: "command" as const, command: "shop", payload: "" },
  };
}

async function boundGroup(shopId = shopA.id): Promise<number> {
  const g = newGroup();
  const r = await fx.d.bindGroup(
    { ...ctx, actor: { kind: "buyer", userId: ownerId } },
    { channel: "telegram", chatId: String(g), shopId, callerIsGroupAdmin: true },
  );
  if (!r.ok) throw new Error(r.code);
  return g;
}

describe("the window in a bound group", () => {
  it("shows the shop's prices (not retail), pages long lists, and a product gives a deep link with the shop — never a code", async () => {
    const g = await boundGroup();
    const window = await say(MEMBER, g, "/shop");
    const cat = await press(MEMBER, g, button(window[0]!, /gs-cards|Category/).callback_data!);
    const list = cat[0]!;
    expect(list.method).toBe("editMessageText");
    expect(textOf(list)).toMatch(/\(1\/2\)/);
    const labels = buttonsOf(list).map((b) => b.text);
    // Game card 1: retail 100.00; gold cost 91.00; +10% = 100.10.
    expect(labels).toContain("Game card 1 — ¥100.10");
    expect(labels.some((l) => l.includes("¥100.00"))).toBe(false);
    expect(labels.filter((l) => l.startsWith("Game card"))).toHaveLength(6);
    const page2 = await press(MEMBER, g, button(list, /Next/).callback_data!);
    expect(buttonsOf(page2[0]!).filter((b) => b.text.startsWith("Game card"))).toHaveLength(2);

    const card = await press(MEMBER, g, button(list, /^Game card 1 /).callback_data!);
    expect(textOf(card[0]!)).toMatch(/Price in .*¥100\.10/);
    const url = button(card[0]!, /Buy privately/).url!;
    const payload = new URL(url).searchParams.get("start")!;
    expect(payload).toBe(shopLinkPayload({ shopId: shopA.id, productId: products[0]!.id }));
    expect(parseShopLink(payload)).toEqual({ shopId: shopA.id, productId: products[0]!.id });
    expect(sentTo(g).map(textOf).join("\n")).not.toMatch(/CODE-/);
  });

  it("ignores what is not addressed to it: other bots' commands, unknown commands, plain talk", async () => {
    const g = await boundGroup();
    const mark = api.calls.length;
    await say(MEMBER, g, "/shop@SomeOtherBot");
    await say(MEMBER, g, "/dice");
    await say(MEMBER, g, "anyone selling cards?");
    expect(sentTo(g, mark)).toEqual([]);
    // Addressed to us by name: answered.
    expect(await say(MEMBER, g, `/shop@${FAKE_BOT_INFO.username}`)).toHaveLength(1);
  });

  it("a stale button (the group was rebound) or a forged one gets a clear reply and changes nothing", async () => {
    const g = await boundGroup(shopA.id);
    const window = await say(MEMBER, g, "/shop");
    const old = button(window[0]!, /gs-cards|Category/).callback_data!;
    await fx.d.bindGroup(
      { ...ctx, actor: { kind: "buyer", userId: ownerId } },
      { channel: "telegram", chatId: String(g), shopId: shopB.id, callerIsGroupAdmin: true },
    );
    expect((await press(MEMBER, g, old)).map(textOf).join("\n")).toMatch(/out of date/);
    const forged = old.replace(/~.*$/, "~AAAAAAAA");
    expect((await press(MEMBER, g, forged)).map(textOf).join("\n")).toMatch(/out of date/);
    expect(await bindings(g)).toMatchObject([{ shopId: shopB.id }]);
    expect((await say(OWNER, g, "/salesfeed maybe")).map(textOf).join("\n")).toMatch(/salesfeed on/);
  });
});

describe("the sales feed", () => {
  it("is opt-in, says what was bought in the shop, never who, never a code", async () => {
    const g = await boundGroup();
    const first = await fx.shopOrder(products[0]!.id, shopA.id);
    expect(await bots.groupShop!.onDomainEvent!(delivered(first.order.id, "e1"))).toEqual([]);
    expect((await say(MEMBER, g, "/salesfeed on")).map(textOf).join("\n")).toMatch(/Only the shop's owner or an admin/);
    expect((await say(OWNER, g, "/salesfeed on")).map(textOf).join("\n")).toMatch(/Sales feed on/);
    const { userId, order } = await fx.shopOrder(products[0]!.id, shopA.id);
    const [code] = await fx.shop.c.orders.codesFor({ ...ctx, actor: { kind: "buyer", userId } }, { orderId: order.id });
    feedClock.advance(120_000);
    const mark = api.calls.length;
    await sendAll(await bots.groupShop!.onDomainEvent!(delivered(order.id, "e2")));
    const lines = sentTo(g, mark).map(textOf);
    expect(lines).toEqual([`🛍 Someone just bought Game card 1 × 1 in ${shopA.name}.`]);
    expect(lines.join("\n")).not.toContain(code!.code);
    expect(lines.join("\n")).not.toContain(userId);
    // A plain order (no shop) is nobody's feed.
    const plain = await fx.shopOrder(products[0]!.id, null);
    expect(await bots.groupShop!.onDomainEvent!(delivered(plain.order.id, "e3"))).toEqual([]);
  });

  it("a burst of 60 deliveries: at most 5 lines a minute, the rest coalesced into the next line; within 20/min at the API", async () => {
    const g = await boundGroup();
    await say(OWNER, g, "/salesfeed on");
    feedClock.advance(120_000);
    const orders = [];
    for (let i = 0; i < 60; i++) orders.push((await fx.shopOrder(products[0]!.id, shopA.id)).order.id);
    const mark = api.calls.length;
    let messages = 0;
    for (const [i, id] of orders.entries()) {
      const out = await bots.groupShop!.onDomainEvent!(delivered(id, `burst${i}`));
      messages += out.filter((m) => m.chatId === String(g)).length; // (the other test's group has its own budget)
      await sendAll(out);
      feedClock.advance(500); // 60 deliveries in 30 s
    }
    expect(messages).toBe(5);
    feedClock.advance(60_000);
    const next = await fx.shopOrder(products[0]!.id, shopA.id);
    await sendAll(await bots.groupShop!.onDomainEvent!(delivered(next.order.id, "after")));
    const lines = sentTo(g, mark).map(textOf);
    expect(lines).toHaveLength(6);
    expect(lines.at(-1)).toMatch(/and 55 more purchases/);
    // Every message to the group, commands included, kept the (scaled) 20-per-window group limit.
    const sends = sentTo(g).map((c) => ({ chatId: String(g), at: c.at }));
    const v = countRateLimitViolations(sends, {
      perChatIntervalMs: 0,
      globalMax: 1_000,
      globalWindowMs: 1_000,
      groupMax: 20,
      groupWindowMs: GROUP_WINDOW_MS,
    });
    expect(v.group).toBe(0);
  }, 60_000);
});

function delivered(orderId: string, id: string) {
  return { type: "order.delivered", payload: { orderId }, id } as Parameters<
    NonNullable<NonNullable<ComposedBots["groupShop"]>["onDomainEvent"]>
  >[0];
}

async function sendAll(messages: Array<{ chatId: string; replies: Parameters<TelegramChannel["send"]>[1] }>) {
  for (const m of messages) await channel.send(m.chatId, m.replies);
  await channel.drain();
}
