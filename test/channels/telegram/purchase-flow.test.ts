import type { Update } from "grammy/types";
import { asBuyer } from "../../../core/shared/index.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createI18n } from "../../../bots/i18n/index.ts";
import { createShopBot, shopPortsFromCore, type ShopBot } from "../../../bots/shop/index.ts";
import {
  createTelegramChannel,
  starsRefundSubscriber,
  telegramWebhookRoutes,
  type StarsCharge,
  type TelegramChannel,
} from "../../../channels/telegram/index.ts";
import { createConversations } from "../../../core/conversations/index.ts";
import { createIdentity } from "../../../core/identity/index.ts";
import { systemCode, walletCode } from "../../../core/ledger/index.ts";
import { createPayments } from "../../../core/payments/index.ts";
import { createShop, ctx, type Shop } from "../../e2e/support/shop.ts";
import { FAKE_BOT_INFO, FakeBotApi, stripHtml, type RecordedCall } from "./fake-bot-api.ts";
import {
  callbackUpdate,
  documentUpdate,
  preCheckoutUpdate,
  successfulPaymentUpdate,
  textUpdate,
  type TgUser,
} from "./updates.ts";

/**
 * The whole purchase through grammY: webhook (secret checked) → channel → shop bot → real core modules on
 * a real PostgreSQL database → replies rendered to a fake Bot API. Delivery and refund notifications are
 * wired the way the composition root wires them (domain event → bot.onDomainEvent → channel.send; Stars
 * refunds via starsRefundSubscriber).
 */
const SECRET = "tg_flow_secret_0123456789";
let shop: Shop;
let api: FakeBotApi;
let channel: TelegramChannel;
let bot: ShopBot;
let post: (u: Update) => Promise<Response>;
const logs: { level: string; msg?: string; obj: object }[] = [];

beforeAll(async () => {
  shop = await createShop("tgflow", { workers: true });
  const c = shop.c;
  const identity = createIdentity({ sql: c.db.sql, clock: c.clock, secrets: c.secrets });
  const conversations = createConversations({ sql: c.db.sql, clock: c.clock });
  api = new FakeBotApi();
  const logger = {
    debug() {},
    info: (obj: object, msg?: string) => void logs.push({ level: "info", obj, msg }),
    warn: (obj: object, msg?: string) => void logs.push({ level: "warn", obj, msg }),
    error: (obj: object, msg?: string) => void logs.push({ level: "error", obj, msg }),
  };
  channel = await createTelegramChannel({
    token: "123:FAKE",
    botInfo: FAKE_BOT_INFO,
    fetch: api.fetch,
    db: c.db.sql,
    handler: (turn) => bot.handle(turn),
    logger,
    setCanDm: (externalId, canDm) => identity.setCanDm(ctx, { channel: "telegram", externalId, canDm }),
    limits: { perChatIntervalMs: 10, marginMs: 0 },
  });
  const payments = createPayments({
    sql: c.db.sql,
    clock: c.clock,
    ledger: c.ledger,
    sandbox: { secret: c.sandboxWebhookSecret, publicUrl: "http://localhost:3000" },
  });
  // Stars are credited by the real payments module (bots/shop default: createPayment + confirm).
  const ports = shopPortsFromCore({
    catalog: c.catalog,
    inventory: c.inventory,
    orders: c.orders,
    ledger: c.ledger,
    payments,
  });
  bot = createShopBot({
    ports,
    identity,
    conversations,
    i18n: createI18n(),
    clock: c.clock,
    buttonKey: "tg-flow-button-key-0123456789",
    channels: { telegram: channel.capabilities },
  });
  const routes = telegramWebhookRoutes({ channel, secretToken: SECRET });
  post = async (u) =>
    routes.request("/webhook", {
      method: "POST",
      body: JSON.stringify(u),
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
    });
});

afterAll(async () => {
  await channel?.stop();
  await shop?.dispose();
});

const refundStars = () =>
  starsRefundSubscriber({
    channel,
    // What the payments side should offer: the Stars charge that paid an order, and its Telegram payer.
    async findStarsCharge(orderId): Promise<StarsCharge | null> {
      const p = await shop.prisma.payment.findFirst({
        where: { orderId, provider: "telegram_stars", status: "SUCCEEDED" },
      });
      if (!p?.externalId) return null;
      const tg = await shop.prisma.channelIdentity.findFirst({ where: { userId: p.userId, channel: "telegram" } });
      return tg ? { telegramUserId: tg.externalId, chargeId: p.externalId } : null;
    },
    // The order refund put the Stars back into the buyer's XTR wallet; Telegram has now returned them to
    // the buyer, so take them out again (custody +T, wallet −T), once per charge.
    async afterRefund({ orderId, chargeId }) {
      const p = await shop.prisma.payment.findFirst({ where: { orderId, externalId: chargeId } });
      const r = await shop.c.ledger.post(ctx, {
        idempotencyKey: `stars-refund:${chargeId}`,
        kind: "refund",
        metadata: { orderId, chargeId },
        legs: [
          { account: walletCode(p!.userId, "XTR"), amount: -p!.amount },
          { account: systemCode("custody", "XTR"), amount: p!.amount },
        ],
      });
      if (!r.ok) throw new Error(`Stars refund booking failed: ${r.code}`);
    },
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });

/** What the composition root does with committed domain events (the outbox relay's subscribers). */
async function publish(type: string, orderId: string, userId: string) {
  const event = { type, payload: { orderId, userId } };
  await refundStars()(event);
  for (const m of await bot.onDomainEvent(event)) if (m.channel === "telegram") await channel.send(m.chatId, m.replies);
}

/** One Telegram user talking to the bot through the webhook; reads buttons from what the fake API received. */
class TgChat {
  private mark = 0;
  presses = 0;
  constructor(readonly user: TgUser) {}

  async deliverRaw(u: Update) {
    this.mark = api.calls.length;
    const res = await post(u);
    expect(res.status).toBe(200);
    await channel.drain();
  }
  send(text: string) {
    return this.deliverRaw(textUpdate(this.user, text));
  }
  /** Messages (sent or edited) to this chat since the last update, as the user sees them. */
  get replies(): RecordedCall[] {
    return api.calls
      .slice(this.mark)
      .filter(
        (c) =>
          c.payload.chat_id === String(this.user.id) && /^(sendMessage|editMessageText|sendInvoice)$/.test(c.method),
      );
  }
  get text(): string {
    return this.replies.map((c) => stripHtml(String(c.payload.text ?? c.payload.title ?? ""))).join("\n---\n");
  }
  async press(label: RegExp) {
    const { data, messageId } = api.button(String(this.user.id), label);
    this.presses++;
    await this.deliverRaw(callbackUpdate(this.user, data, { messageId }));
  }
}

let nextUser = 9_100_000;
const newChat = () => new TgChat({ id: ++nextUser, first_name: "Buyer", language_code: "en" });
const userIdOf = async (chat: TgChat) =>
  (await shop.prisma.channelIdentity.findFirst({ where: { channel: "telegram", externalId: String(chat.user.id) } }))!
    .userId;

async function xtrProduct(kind: "CODE" | "DIRECT", price: bigint) {
  const cat = await shop.category();
  return shop.c.catalog.upsertProduct(ctx, {
    sku: `TG-${kind}-${nextUser}`,
    categoryId: cat.id,
    nameZh: kind === "CODE" ? "星星卡" : "星星话费",
    nameEn: kind === "CODE" ? "Star card" : "Star top-up",
    faceValue: price,
    currency: "XTR",
    price,
    deliveryKind: kind,
    ...(kind === "DIRECT" ? { targetKind: "MOBILE" as const } : {}),
  });
}

describe("Telegram purchase flow (grammY, real core)", () => {
  it("/start → category → product → quantity → confirm → wallet → the code, monospace, in the private chat", async () => {
    const product = await shop.codeProduct({ stock: 3, price: 1000n });
    const category = (await shop.c.catalog.listCategories(ctx)).find((c) => c.id === product.categoryId)!;
    const chat = newChat();
    await chat.send("/start");
    expect(chat.text).toContain("Welcome");
    const userId = await userIdOf(chat);
    await shop.fund(userId, 5000n);
    expect(await shop.prisma.channelIdentity.findFirst({ where: { userId } })).toMatchObject({ canDm: true });

    await chat.press(/Shop/);
    await chat.press(new RegExp(category.nameEn));
    expect(chat.replies[0]!.method).toBe("editMessageText");
    await chat.press(/Test card/);
    await chat.press(/^1$/);
    expect(chat.text).toContain("Total: ¥10.00");
    await chat.press(/from wallet/);
    expect(chat.text).toMatch(/Paid ¥10.00 from your wallet/);
    expect(api.callsOf("answerCallbackQuery")).toHaveLength(chat.presses);

    const [order] = await shop.c.orders.listForUser(ctx, { userId });
    await shop.waitForStatus([order!.id], ["DELIVERED"]);
    await publish("order.delivered", order!.id, userId);
    const [code] = await shop.c.orders.codesFor(asBuyer(ctx, userId), { orderId: order!.id });
    const delivered = chat.replies.map((c) => String(c.payload.text)).join("\n");
    expect(delivered).toContain(`<code>${code!.code}</code>`);
    expect(await shop.walletBalance(userId)).toBe(4000n);
    // Never into a group, never into the logs.
    expect(
      api.calls
        .filter((c) => String(c.payload.chat_id).startsWith("-"))
        .map((c) => c.payload.text)
        .join(),
    ).not.toContain(code!.code);
    expect(JSON.stringify(logs)).not.toContain(code!.code);
  });

  it("Stars: invoice → pre-checkout → successful payment → delivery; a redelivered payment acts once", async () => {
    const product = await xtrProduct("CODE", 50n);
    await shop.importCodes(product.id, 2);
    const chat = newChat();
    await chat.send(`/start buy_${product.id}`);
    await chat.press(/^1$/);
    expect(chat.text).toContain("50 ⭐");
    await chat.press(/Stars/);
    const invoice = api.callsOf("sendInvoice").at(-1)!;
    expect(invoice.response.ok).toBe(true);
    expect(invoice.payload).toMatchObject({
      chat_id: String(chat.user.id),
      currency: "XTR",
      provider_token: "",
      prices: [{ amount: 50 }],
    });
    const payload = String(invoice.payload.payload);

    const started = performance.now();
    await chat.deliverRaw(preCheckoutUpdate(chat.user, payload, 50));
    const answer = api.callsOf("answerPreCheckoutQuery").at(-1)!;
    expect(answer.payload).toMatchObject({ ok: true });
    expect(answer.at - started).toBeLessThan(10_000);

    const paid = successfulPaymentUpdate(chat.user, payload, 50, `tgch_${chat.user.id}`);
    await chat.deliverRaw(paid);
    expect(chat.text).toContain("Payment received");
    expect((await post(paid)).status).toBe(200); // Telegram delivers it again: a no-op
    const userId = await userIdOf(chat);
    const orders = await shop.c.orders.listForUser(ctx, { userId });
    expect(orders).toHaveLength(1);
    await shop.waitForStatus([orders[0]!.id], ["DELIVERED"]);
    await publish("order.delivered", orders[0]!.id, userId);
    expect(chat.replies.some((c) => String(c.payload.text).includes("<code>CODE-"))).toBe(true);
    expect(await shop.walletBalance(userId, "XTR")).toBe(0n);
  });

  it("Stars: a failed fulfilment refunds the order and gives the Stars back (refundStarPayment)", async () => {
    const { supplier } = await shop.supplier(`tgfail${nextUser}`, { failureRate: 1 });
    const product = await xtrProduct("DIRECT", 30n);
    await shop.c.suppliers.linkProduct(ctx, { productId: product.id, supplierId: supplier.id, cost: 20n });
    const chat = newChat();
    await chat.send(`/start buy_${product.id}`);
    await chat.press(/^1$/);
    await chat.send("12345");
    expect(chat.text.length).toBeGreaterThan(0); // a specific complaint, and another try
    await chat.send("13800138000");
    await chat.press(/Stars/);
    const payload = String(api.callsOf("sendInvoice").at(-1)!.payload.payload);
    await chat.deliverRaw(preCheckoutUpdate(chat.user, payload, 30));
    expect(api.callsOf("answerPreCheckoutQuery").at(-1)!.payload).toMatchObject({ ok: true });
    const chargeId = `tgch_${chat.user.id}`;
    await chat.deliverRaw(successfulPaymentUpdate(chat.user, payload, 30, chargeId));

    const userId = await userIdOf(chat);
    const [order] = await shop.c.orders.listForUser(ctx, { userId });
    await shop.waitForStatus([order!.id], ["REFUNDED"]);
    await publish("order.refunded", order!.id, userId);
    await publish("order.refunded", order!.id, userId); // at-least-once events: still one refund that counts
    const refunds = api.callsOf("refundStarPayment").filter((c) => c.payload.telegram_payment_charge_id === chargeId);
    expect(refunds[0]!.payload).toEqual({ user_id: chat.user.id, telegram_payment_charge_id: chargeId });
    // The second event found the charge already refunded, which counts as done (no error).
    expect(refunds.map((r) => r.response.ok)).toEqual([true, false]);
    // Stars back on Telegram, none left in the wallet, and the books balance.
    expect(await shop.walletBalance(userId, "XTR")).toBe(0n);
    expect(await shop.c.ledger.reconcile(ctx, "XTR")).toMatchObject({ ok: true });
    expect(chat.text.toLowerCase()).toContain("refund");
  });

  it("forged buttons and text where a button was expected get a clear reply; a double tap on Pay buys once", async () => {
    const product = await shop.codeProduct({ stock: 3, price: 700n });
    const chat = newChat();
    await chat.send(`/start buy_${product.id}`);
    const userId = await userIdOf(chat);
    await shop.fund(userId, 5000n);
    await chat.deliverRaw(callbackUpdate(chat.user, "forged:callback:data"));
    expect(chat.text.length).toBeGreaterThan(0);
    expect(api.callsOf("answerCallbackQuery").at(-1)!.response.ok).toBe(true);
    await chat.send(`/start buy_${product.id}`);
    await chat.press(/^1$/);
    await chat.send("hello?"); // text while the bot shows buttons
    expect(chat.text.length).toBeGreaterThan(0);
    const pay = api.button(String(chat.user.id), /from wallet/);
    // The same button pressed twice (two devices, or a double tap): two updates, concurrently.
    const [a, b] = await Promise.all([
      post(callbackUpdate(chat.user, pay.data, { messageId: pay.messageId })),
      post(callbackUpdate(chat.user, pay.data, { messageId: pay.messageId })),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await channel.drain();
    expect(await shop.prisma.order.count({ where: { userId } })).toBe(1);
    expect(await shop.walletBalance(userId)).toBe(4300n);
  });

  it("a CSV sent to the shop gets a short hint and is never downloaded; an oversized one is refused", async () => {
    const chat = newChat();
    await chat.send("/start");
    const csv = api.addFile("code\nAAAA-1111\n", { name: "codes.csv", mimeType: "text/csv" });
    await chat.deliverRaw(documentUpdate(chat.user, csv));
    expect(chat.text).toBe("I can't use files here. Please use the buttons below (or send /help).");
    const big = api.addFile("x", { name: "dump.csv", declaredSize: 30 * 1024 * 1024 });
    await chat.deliverRaw(documentUpdate(chat.user, big));
    expect(chat.text).toContain("This file is too large: the limit is 20 MB.");
    expect(api.callsOf("getFile")).toHaveLength(0);
  });
});
