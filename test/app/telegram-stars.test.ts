import type { Update } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatEdges } from "../../app/chat.ts";
import { sleep } from "../../core/shared/index.ts";
import type { FakeBotApi } from "../channels/telegram/fake-bot-api.ts";
import { stripHtml, type RecordedCall } from "../channels/telegram/fake-bot-api.ts";
import {
  callbackUpdate,
  preCheckoutUpdate,
  successfulPaymentUpdate,
  textUpdate,
  type TgUser,
} from "../channels/telegram/updates.ts";
import { ctx, type Shop } from "../e2e/support/shop.ts";
import { startTelegramChatApp, type TelegramChatApp } from "./support/chat-app.ts";

/**
 * Stars for products priced in CNY, as `npm start` wires it (app/chat.ts, the container's payments with
 * `STARS_PER_CNY`, the `stars-refunder` consumer): the Stars price beside the CNY one, the invoice, the
 * pre-checkout, the successful payment (delivered once however often Telegram repeats it), the order
 * settled in CNY, and a failed fulfilment giving the Stars back once. Telegram is a fake Bot API over real
 * HTTP (TELEGRAM_API_ROOT); updates arrive at the webhook as Telegram sends them.
 */
const SECRET = "tg_stars_secret_0123456789";
let h: TelegramChatApp | undefined;
let api: FakeBotApi;
let shop: Shop;
let chat: ChatEdges;
let app: TelegramChatApp["app"];

beforeAll(async () => {
  h = await startTelegramChatApp("tgstars", { workers: true, webhookSecret: SECRET, env: { STARS_PER_CNY: "11" } });
  ({ api, shop, chat, app } = h);
}, 60_000);

afterAll(() => h?.close());

const post = async (u: Update) => {
  const res = await h!.post(u);
  expect(res.status).toBe(200);
  await chat.telegram!.channel.drain();
};
const toUser = (u: TgUser): RecordedCall[] => api.calls.filter((c) => c.payload.chat_id === String(u.id));
const textOf = (calls: RecordedCall[]) => calls.map((c) => stripHtml(String(c.payload.text ?? ""))).join("\n---\n");

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function press(u: TgUser, label: RegExp) {
  const { data, messageId } = api.button(String(u.id), label);
  await post(callbackUpdate(u, data, { messageId }));
}

let nextId = 9_400_000;
const newUser = (): TgUser => ({ id: ++nextId, first_name: "Buyer", language_code: "en" });
const userIdOf = async (u: TgUser) =>
  (await shop.prisma.channelIdentity.findFirst({ where: { channel: "telegram", externalId: String(u.id) } }))!.userId;

/** Opens the product, takes quantity 1 (and types the number for a top-up), presses the Stars button. */
async function invoiceFor(u: TgUser, productId: string, target?: string) {
  await post(textUpdate(u, `/start buy_${productId}`));
  await press(u, /^1$/);
  if (target) await post(textUpdate(u, target));
  const confirmation = textOf(toUser(u).slice(-1));
  await press(u, /Stars/);
  const invoice = api
    .callsOf("sendInvoice")
    .filter((c) => c.payload.chat_id === String(u.id))
    .at(-1)!;
  expect(invoice.response.ok).toBe(true);
  return { confirmation, invoice, payload: String(invoice.payload.payload) };
}

const lastPrecheckout = () => api.callsOf("answerPreCheckoutQuery").at(-1)!.payload;

describe("Telegram Stars for products priced in CNY (app wiring)", () => {
  it("a webhook call with a wrong secret is refused and counted on /metrics by reason", async () => {
    const res = await app.request("/telegram/webhook", {
      method: "POST",
      body: JSON.stringify(textUpdate(newUser(), "/start")),
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": "wrong-secret-0123" },
    });
    expect(res.status).toBe(403);
    const metrics = await (await app.request("/metrics")).text();
    expect(metrics).toContain('kameng_webhook_rejections_total{source="telegram",reason="bad_secret"} 1');
  });

  it("shows the Stars price beside the CNY one, invoices it, approves the pre-checkout and delivers once", async () => {
    const product = await shop.codeProduct({ stock: 2, price: 980n });
    const u = newUser();
    await post(textUpdate(u, `/start buy_${product.id}`));
    expect(textOf(toUser(u))).toContain("Price: ¥9.80 (108 ⭐)"); // 9.80 × 11 = 107.8 → 108
    const { confirmation, invoice, payload } = await invoiceFor(u, product.id);
    expect(confirmation).toContain("Total: ¥9.80 (108 ⭐)");
    expect(invoice.payload).toMatchObject({
      currency: "XTR",
      provider_token: "",
      prices: [{ label: "Test card × 1", amount: 108 }],
    });
    expect(String(invoice.payload.description)).toContain("¥9.80 paid as 108 ⭐ (11 ⭐ per ¥1)");

    await post(preCheckoutUpdate(u, payload, 108));
    expect(lastPrecheckout()).toMatchObject({ ok: true });

    const userId = await userIdOf(u);
    const paid = successfulPaymentUpdate(u, payload, 108, `stxCNY_${u.id}`);
    const mark = toUser(u).length;
    await post(paid);
    // (the code message may already be there too: the delivery's event can beat this reply)
    expect(textOf(toUser(u).slice(mark))).toMatch(
      /Payment of 108 ⭐ received for ¥9\.80\. Order #[0-9A-Z]{4}-[0-9A-Z]{4} is being prepared/,
    );
    // Telegram repeats the update, and the same charge arrives again in another update: one order, one code.
    await post(paid);
    await post(successfulPaymentUpdate(u, payload, 108, `stxCNY_${u.id}`));
    const orders = await shop.c.orders.listForUser(ctx, { userId });
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ currency: "CNY", total: 980n });
    await shop.waitForStatus([orders[0]!.id], ["DELIVERED"]);
    await until("the code message", () => toUser(u).some((c) => String(c.payload.text).includes("<code>CODE-")));
    await sleep(500);
    expect(toUser(u).filter((c) => String(c.payload.text).includes("<code>CODE-"))).toHaveLength(1);

    // Settled in CNY; the payment keeps the Stars charged and the rate used.
    const payments = await shop.prisma.payment.findMany({ where: { userId } });
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({
      provider: "telegram_stars",
      status: "SUCCEEDED",
      currency: "XTR",
      amount: 108n,
      creditAmount: 980n,
      creditCurrency: "CNY",
      exchangeRate: "11",
      externalId: `stxCNY_${u.id}`,
    });
    expect(await shop.walletBalance(userId, "CNY")).toBe(0n);
    expect(await shop.walletBalance(userId, "XTR")).toBe(0n);
    expect((await shop.c.ledger.reconcile(ctx, "CNY")).ok).toBe(true);

    // The invoice again after payment: refused, said why, nothing charged.
    await post(preCheckoutUpdate(u, payload, 108));
    expect(lastPrecheckout()).toMatchObject({
      ok: false,
      error_message: "This order is already paid. Nothing more was charged.",
    });
  });

  it("refuses a pre-checkout for a changed Stars price or an expired order, with a clear message; nothing is paid", async () => {
    const product = await shop.codeProduct({ stock: 2, price: 1000n });
    const u = newUser();
    const { payload } = await invoiceFor(u, product.id);
    await post(preCheckoutUpdate(u, payload, 100)); // not the 110 ⭐ the invoice asked
    expect(lastPrecheckout()).toMatchObject({ ok: false });
    expect(String(lastPrecheckout().error_message)).toContain(
      "The price in Stars changed since this invoice was sent (100 ⭐ → 110 ⭐)",
    );

    const userId = await userIdOf(u);
    const [order] = await shop.c.orders.listForUser(ctx, { userId });
    await shop.prisma.order.update({ where: { id: order!.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await post(preCheckoutUpdate(u, payload, 110));
    expect(lastPrecheckout()).toMatchObject({
      ok: false,
      error_message:
        "This invoice is no longer valid (the order expired or changed). Nothing was charged: open the product again to buy it.",
    });
    expect((await shop.c.orders.get(ctx, { orderId: order!.id })).status).toBe("CREATED");
    expect(await shop.prisma.payment.count({ where: { userId, status: { not: "PENDING" } } })).toBe(0);
  });

  it("a failed fulfilment refunds the order in CNY and gives the Stars back once (stars-refunder)", async () => {
    const { supplier } = await shop.supplier(`starsfail${nextId}`, { failureRate: 1 });
    const product = await shop.directProduct([{ supplierId: supplier.id, cost: 2800n }], 3000n);
    const u = newUser();
    const { payload } = await invoiceFor(u, product.id, "13800138000");
    await post(preCheckoutUpdate(u, payload, 330));
    expect(lastPrecheckout()).toMatchObject({ ok: true });
    const chargeId = `stxFail_${u.id}`;
    await post(successfulPaymentUpdate(u, payload, 330, chargeId));

    const userId = await userIdOf(u);
    const [order] = await shop.c.orders.listForUser(ctx, { userId });
    await shop.waitForStatus([order!.id], ["REFUNDED"], 45_000);
    const refunds = () =>
      api.callsOf("refundStarPayment").filter((c) => c.payload.telegram_payment_charge_id === chargeId);
    await until("refundStarPayment", () => refunds().length > 0);
    await until("the refund booked", async () =>
      (await shop.prisma.payment.findFirst({ where: { userId, status: "REFUNDED" } })) ? true : undefined,
    );
    // A redelivered order.refunded (at least once) books and refunds nothing more.
    await shop.c.events.runOnce("stars-refunder");
    await sleep(300);
    expect(refunds().map((r) => r.response.ok)).toEqual([true]);
    expect(refunds()[0]!.payload).toEqual({ user_id: u.id, telegram_payment_charge_id: chargeId });
    // The buyer is told where the money goes: back as Stars, not into the wallet.
    await until(
      "the refund message",
      () => textOf(toUser(u)).includes("Your 330 ⭐ are being refunded to your Telegram account.") || undefined,
    );
    expect(await shop.walletBalance(userId, "CNY")).toBe(0n);
    expect(await shop.walletBalance(userId, "XTR")).toBe(0n);
    expect((await shop.c.ledger.reconcile(ctx, "CNY")).ok).toBe(true);
    expect(await shop.c.ledger.check(ctx)).toMatchObject({ ok: true });
  }, 90_000);
});
