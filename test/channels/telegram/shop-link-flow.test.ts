import type { Update } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createI18n } from "../../../bots/i18n/index.ts";
import { createShopBot, shopPortsFromCore, type ShopBot, type ShopState } from "../../../bots/shop/index.ts";
import { shopLinkPayload } from "../../../bots/shop-links.ts";
import {
  createTelegramChannel,
  telegramWebhookRoutes,
  type TelegramChannel,
} from "../../../channels/telegram/index.ts";
import { createConversations } from "../../../core/conversations/index.ts";
import { createIdentity } from "../../../core/identity/index.ts";
import { pricingOf } from "../../../core/orders/index.ts";
import { asBuyer, newId } from "../../../core/shared/index.ts";
import { ctx } from "../../e2e/support/shop.ts";
import { openDistribution, type DistributionFixture } from "../../core/distribution/distribution-fixture.ts";
import { FAKE_BOT_INFO, FakeBotApi, stripHtml, type RecordedCall } from "./fake-bot-api.ts";
import { callbackUpdate, textUpdate, type TgUser } from "./updates.ts";

/*
 * Buying in a distributor's shop from a private chat (docs/distribution.md "Buying in a shop"), through grammY
 * (webhook → channel → shop bot → real core on PostgreSQL; the Bot API faked at HTTP).
 * Retail 100.00, cost 60.00. A gold L1 (cost 91.00) leads an ordinary L2 (team price 97.00); the L2's shop
 * marks up 10% (106.70), the L1's own shop adds 5.00 over its cost (96.00).
 */
const SECRET = "tg_shoplink_secret_0123456789";
let fx: DistributionFixture;
let api: FakeBotApi;
let channel: TelegramChannel;
let bot: ShopBot;
let post: (u: Update) => Promise<Response>;
let productId: string;
let categoryName: string;
let l1: string;
let l2: string;
let l1Shop: { id: string; name: string };
let l2Shop: { id: string; name: string };

beforeAll(async () => {
  fx = await openDistribution("shoplink");
  const c = fx.shop.c;
  const identity = createIdentity({ sql: c.db.sql, clock: c.clock, secrets: c.secrets });
  const conversations = createConversations({ sql: c.db.sql, clock: c.clock });
  api = new FakeBotApi();
  const quiet = { debug() {}, info() {}, warn() {}, error: (o: object, m?: string) => console.error(m, o) };
  channel = await createTelegramChannel({
    token: "123:FAKE",
    botInfo: FAKE_BOT_INFO,
    fetch: api.fetch,
    db: c.db.sql,
    handler: (turn) => bot.handle(turn),
    logger: quiet,
    setCanDm: (externalId, canDm) => identity.setCanDm(ctx, { channel: "telegram", externalId, canDm }),
    limits: { perChatIntervalMs: 1, marginMs: 0 },
  });
  bot = createShopBot({
    ports: shopPortsFromCore({
      catalog: c.catalog,
      inventory: c.inventory,
      orders: c.orders,
      ledger: c.ledger,
      distribution: c.distribution,
    }),
    identity,
    conversations,
    i18n: createI18n(),
    clock: c.clock,
    buttonKey: "tg-shoplink-button-key-0123456789",
    channels: { telegram: channel.capabilities },
    logger: quiet,
  });
  const routes = telegramWebhookRoutes({ channel, secretToken: SECRET });
  post = async (u) =>
    routes.request("/webhook", {
      method: "POST",
      body: JSON.stringify(u),
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
    });

  const product = await fx.shop.codeProduct({ price: 10_000n, stock: 200, cost: 6_000n });
  productId = product.id;
  categoryName = (await c.catalog.getCategory(ctx, product.categoryId))!.nameEn;
  l1 = await fx.distributor("gold");
  l2 = await fx.distributor("ordinary", l1);
  l2Shop = await fx.shopOf(l2, { target: "all", mode: "MARKUP_PCT", value: 1_000n });
  l1Shop = await fx.shopOf(l1, { target: "all", mode: "FIXED_OVER_COST", value: 500n });
});

afterAll(async () => {
  await channel?.stop();
  await fx?.dispose();
});

class TgChat {
  private mark = 0;
  constructor(readonly user: TgUser) {}
  async deliver(u: Update) {
    this.mark = api.calls.length;
    expect((await post(u)).status).toBe(200);
    await channel.drain();
  }
  send(text: string) {
    return this.deliver(textUpdate(this.user, text));
  }
  async press(label: RegExp) {
    const { data, messageId } = api.button(String(this.user.id), label);
    await this.deliver(callbackUpdate(this.user, data, { messageId }));
  }
  get replies(): RecordedCall[] {
    return api.calls
      .slice(this.mark)
      .filter((c) => c.payload.chat_id === String(this.user.id) && /^(sendMessage|editMessageText)$/.test(c.method));
  }
  get text(): string {
    return this.replies.map((c) => stripHtml(String(c.payload.text ?? ""))).join("\n---\n");
  }
  get buttons(): string[] {
    return this.replies
      .flatMap(
        (c) => (c.payload.reply_markup as { inline_keyboard?: { text: string }[][] })?.inline_keyboard?.flat() ?? [],
      )
      .map((b) => b.text);
  }
}

let nextUser = 7_300_000;
const newChat = () => new TgChat({ id: ++nextUser, first_name: "Buyer", language_code: "en" });
const userIdOf = async (chat: TgChat) =>
  (await fx.shop.prisma.channelIdentity.findFirst({
    where: { channel: "telegram", externalId: String(chat.user.id) },
  }))!.userId;
/** A Telegram buyer known to the bot, with money in the wallet. */
async function fundedChat(amount = 100_000n) {
  const chat = newChat();
  await chat.send("/start");
  const userId = await userIdOf(chat);
  await fx.shop.fund(userId, amount);
  return { chat, userId };
}
const attributions = (userId: string) =>
  fx.shop.prisma.$queryRaw<Array<{ shop_id: string }>>`
    SELECT shop_id::text FROM shop_attributions WHERE user_id = ${userId}::uuid`;
const stateOf = async (userId: string) =>
  (
    await fx.shop.prisma.$queryRaw<Array<{ state: ShopState | null }>>`
      SELECT state FROM conversation_states WHERE user_id = ${userId}::uuid`
  )[0]?.state ?? null;
const settlements = async (orderId: string) =>
  Number(
    (
      await fx.shop.prisma.$queryRaw<Array<{ n: bigint }>>`
        SELECT count(*) AS n FROM ledger_transactions WHERE kind = 'order_settlement' AND metadata->>'orderId' = ${orderId}`
    )[0]!.n,
  );

/** Pays the confirmation shown and returns the order, delivered, with its code sent to the private chat. */
async function payAndDeliver(chat: TgChat, userId: string) {
  await chat.press(/from wallet/);
  const [order] = await fx.shop.c.orders.listForUser(ctx, { userId, limit: 1 });
  await fx.shop.waitForStatus([order!.id], ["DELIVERED"]);
  const before = api.calls.length;
  for (const m of await bot.onDomainEvent({ type: "order.delivered", payload: { orderId: order!.id, userId } }))
    if (m.channel === "telegram") await channel.send(m.chatId, m.replies);
  const [code] = await fx.shop.c.orders.codesFor(asBuyer(ctx, userId), { orderId: order!.id });
  const sent = api.calls.slice(before).filter((c) => String(c.payload.text ?? "").includes(code!.code));
  expect(sent.map((c) => c.payload.chat_id)).toEqual([String(chat.user.id)]);
  return (await fx.shop.order(order!.id))!;
}

describe("a shop's link into the private chat", () => {
  it("sp_ link → the product at the L2 shop's price → wallet → delivered privately → L1 and L2 commission once", async () => {
    const { chat, userId } = await fundedChat();
    const before = { l1: await fx.wallet(l1), l2: await fx.wallet(l2) };
    await chat.send(`/start ${shopLinkPayload({ shopId: l2Shop.id, productId })}`);
    expect(chat.text).toContain(`Shop: ${l2Shop.name}`);
    expect(chat.text).toContain("Price: ¥106.70");
    await chat.press(/^1$/);
    expect(chat.text).toContain(`Shop: ${l2Shop.name}`);
    expect(chat.text).toContain("Total: ¥106.70");
    const order = await payAndDeliver(chat, userId);
    // The receipt names the shop.
    expect(chat.text).toContain(`Shop: ${l2Shop.name}`);
    expect(chat.text).toContain("Paid ¥106.70 from your wallet");
    expect(order.total).toBe(10_670n);
    expect(pricingOf(order).chain).toMatchObject({ shopId: l2Shop.id, levels: [{ userId: l1 }, { userId: l2 }] });
    expect(await fx.wallet(userId)).toBe(100_000n - 10_670n);
    expect((await fx.wallet(l1)) - before.l1).toBe(600n);
    expect((await fx.wallet(l2)) - before.l2).toBe(970n);
    expect(await settlements(order.id)).toBe(1);
    expect(await fx.invariantsOk()).toBe(true);
    expect(await attributions(userId)).toEqual([{ shop_id: l2Shop.id }]);

    // The order view names the shop.
    await chat.send("/orders");
    await chat.press(/Test card|#/);
    expect(chat.text).toContain(`Shop: ${l2Shop.name}`);
  });

  it("shop_ link → the shop's window, every screen at the L1 shop's price → L1 commission once", async () => {
    const { chat, userId } = await fundedChat();
    const before = await fx.wallet(l1);
    await chat.send(`/start ${shopLinkPayload({ shopId: l1Shop.id })}`);
    expect(chat.text).toContain(`Shop: ${l1Shop.name}`);
    expect(chat.text).toContain("Choose a category");
    await chat.press(new RegExp(categoryName));
    expect(chat.buttons.join("\n")).toMatch(/Test card · ¥96\.00/);
    await chat.press(/Test card/);
    expect(chat.text).toContain("Price: ¥96.00");
    await chat.press(/^2$/);
    expect(chat.text).toContain("Total: ¥192.00");
    const order = await payAndDeliver(chat, userId);
    expect(order.total).toBe(19_200n);
    expect((await fx.wallet(l1)) - before).toBe(1_000n);
    expect(await settlements(order.id)).toBe(1);
    expect(await fx.invariantsOk()).toBe(true);
  });
});

describe("first-touch attribution", () => {
  it("a second shop's link does not re-attribute; a plain /start later buys in the attributed shop", async () => {
    const { chat, userId } = await fundedChat();
    await chat.send(`/start shop_${l1Shop.id}`);
    await chat.send(`/start ${shopLinkPayload({ shopId: l2Shop.id, productId })}`);
    expect(await attributions(userId)).toEqual([{ shop_id: l1Shop.id }]);
    // Bought after opening the L2 shop's link: that shop's sale.
    await chat.press(/^1$/);
    const inL2 = await payAndDeliver(chat, userId);
    expect(pricingOf(inL2).chain?.shopId).toBe(l2Shop.id);

    // A later plain visit: the attributed (first) shop.
    await chat.send("/start");
    expect((await stateOf(userId))?.shopId).toBeUndefined();
    await chat.press(/Shop/);
    expect(chat.text).toContain(`Shop: ${l1Shop.name}`);
    await chat.press(new RegExp(categoryName));
    await chat.press(/Test card/);
    await chat.press(/^1$/);
    expect(chat.text).toContain("Total: ¥96.00");
    const inL1 = await payAndDeliver(chat, userId);
    expect(pricingOf(inL1).chain?.shopId).toBe(l1Shop.id);
    expect(await attributions(userId)).toEqual([{ shop_id: l1Shop.id }]);
  });

  it("20 concurrent /start with different shops for one new buyer → exactly one attribution", async () => {
    const shops = await Promise.all(Array.from({ length: 20 }, () => fx.shopOf(l1)));
    const user: TgUser = { id: ++nextUser, first_name: "Racer", language_code: "en" };
    // Straight into the bot (as 20 server processes would take them), not one chat's serialized queue.
    const results = await Promise.allSettled(
      shops.map((s, i) =>
        bot.handle({
          id: `race-${user.id}-${i}`,
          channel: "telegram",
          chat: { id: String(user.id), kind: "private" },
          from: { externalId: String(user.id), displayName: "Racer" },
          input: { kind: "command", command: "start", payload: `shop_${s.id}` },
        }),
      ),
    );
    const ok = results.filter((r) => r.status === "fulfilled");
    expect(ok.length).toBe(20);
    const userId = await userIdOf(new TgChat(user));
    const rows = await attributions(userId);
    expect(rows).toHaveLength(1);
    expect(shops.map((s) => s.id)).toContain(rows[0]!.shop_id);
  });

  it("a distributor buying in its own shop earns nothing on its own order", async () => {
    const { chat, userId: owner } = await fundedChat(1_000_000n);
    await fx.d.add(ctx, { userId: owner, tierId: "gold" });
    const own = await fx.shopOf(owner, { target: "all", mode: "MARKUP_PCT", value: 2_000n });
    await chat.send(`/start ${shopLinkPayload({ shopId: own.id, productId })}`);
    expect(chat.text).toContain("This is your own shop");
    expect(chat.text).toContain("Price: ¥100.00");
    await chat.press(/^1$/);
    const before = await fx.wallet(owner);
    const order = await payAndDeliver(chat, owner);
    expect(order.total).toBe(10_000n);
    expect(pricingOf(order).chain).toBeUndefined();
    expect(await fx.wallet(owner)).toBe(before - 10_000n);
    expect(await attributions(owner)).toEqual([]);
    expect(await fx.invariantsOk()).toBe(true);
  });
});

describe("a shop removed while a buyer is in it", () => {
  it("says the shop has closed, charges nothing and leaves the shop", async () => {
    const { chat, userId } = await fundedChat();
    const gone = await fx.shopOf(l1);
    await chat.send(`/start ${shopLinkPayload({ shopId: gone.id, productId })}`);
    expect(chat.text).toContain(`Shop: ${gone.name}`);
    await fx.shop.prisma.$executeRaw`DELETE FROM shops WHERE id = ${gone.id}::uuid`;
    expect(await attributions(userId)).toEqual([]);
    await chat.press(/^1$/);
    expect(chat.text).toContain("has closed; nothing was charged");
    expect((await stateOf(userId))?.shopId).toBeUndefined();
    expect(await fx.shop.prisma.order.count({ where: { userId } })).toBe(0);
    expect(await fx.wallet(userId)).toBe(100_000n);
  });
});

describe("bad shop links: a clear reply, nothing changed", () => {
  it.each([
    ["malformed", () => "shop_not-a-uuid", /shop link is not valid/],
    ["malformed product link", () => "sp_short", /shop link is not valid/],
    ["unknown shop", () => `shop_${newId()}`, /shop is not open/],
    ["unknown product", () => shopLinkPayload({ shopId: l1Shop.id, productId: newId() }), /product is not on sale/],
  ])("%s", async (_label, payload, reply) => {
    const chat = newChat();
    await chat.send(`/start ${payload()}`);
    expect(chat.text).toMatch(reply);
    expect(chat.text).toContain("What would you like to do?");
    const userId = await userIdOf(chat);
    expect(await attributions(userId)).toEqual([]);
    expect((await stateOf(userId))?.shopId).toBeUndefined();
    const user = await fx.shop.prisma.user.findUnique({ where: { id: userId } });
    expect(user?.startPayload ?? null).toBeNull();
    expect(await fx.shop.prisma.order.count({ where: { userId } })).toBe(0);
  });
});
