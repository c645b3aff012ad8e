import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { asBuyer } from "../../core/shared/index.ts";
import type { ShopState } from "../../bots/shop/index.ts";
import type { CodesReply, DeepLinkReply, FileInput, InvoiceReply, Reply } from "../../bots/turn.ts";
import { SANDBOX_SIGNATURE_HEADER } from "../../core/payments/index.ts";
import { ctx } from "../e2e/support/shop.ts";
import {
  buttonsOf,
  ChatClient,
  createBotHarness,
  findButton,
  plainOf,
  type BotHarness,
} from "./support/bot-harness.ts";

let h: BotHarness;
let ext = 1000;
const tg = (
  over: { lang?: string; kind?: "private" | "group"; chatId?: string; externalId?: string; timeZone?: string } = {},
) => h.client({ channel: "telegram", externalId: over.externalId ?? String(++ext), lang: over.lang ?? "en", ...over });

beforeAll(async () => {
  h = await createBotHarness("shopbot", { workers: true });
});
afterAll(() => h.dispose());

async function codeProduct(stock = 5, price = 1000n) {
  const p = await h.shop.codeProduct({ stock, price });
  const cat = await h.c.catalog.listCategories(ctx);
  return { product: p, category: cat.find((c) => c.id === p.categoryId)! };
}

/** Browse from /start to the product card. */
async function openCard(chat: ReturnType<typeof tg>, categoryName: string, productLabel: RegExp = /Test card/) {
  await chat.send("/start");
  await chat.press(/Shop/);
  await chat.press(categoryName);
  return chat.press(productLabel);
}

async function deliveredCodes(userId: string, orderId: string): Promise<CodesReply> {
  await h.shop.waitForStatus([orderId], ["DELIVERED"]);
  const out = await h.bot.onDomainEvent({ type: "order.delivered", payload: { orderId, userId } });
  expect(out).toHaveLength(1);
  expect(out[0]).toMatchObject({
    userId,
    channel: "telegram",
    dedupeKey: `order.delivered:${orderId}:${userId}:telegram:${out[0]!.chatId}`,
  });
  const codes = out[0]!.replies.find((r): r is CodesReply => r.kind === "codes");
  expect(codes).toBeDefined();
  return codes!;
}

describe("shop bot: purchase from the wallet", () => {
  it("browses, buys one code from the wallet and receives it privately", async () => {
    const { category } = await codeProduct(5, 1000n);
    const chat = tg();
    const start = await chat.send("/start");
    expect(plainOf(start)).toContain("Welcome, Tester!");
    const userId = await h.userIdOf("telegram", chat.opts.externalId);
    await h.fund(userId, 5000n);

    await chat.press(/Shop/);
    expect(chat.text).toContain("Choose a category");
    await chat.press(category.nameEn);
    expect(chat.text).toContain("choose a product");
    expect(buttonsOf(chat.last).map((b) => b.label)).toContain("Test card · ¥10.00 · 5 in stock");
    await chat.press(/Test card/);
    expect(chat.text).toContain("Price: ¥10.00");
    expect(chat.text).toContain("How many?");
    await chat.press("2");
    expect(chat.text).toContain("Please confirm your order");
    expect(chat.text).toContain("Test card × 2");
    expect(chat.text).toContain("Total: ¥20.00");
    expect(chat.text).toContain("Wallet balance: ¥50.00");
    const paid = await chat.press(/Pay ¥20.00 from wallet/);
    expect(await h.balance(userId)).toBe(3000n);

    const [order] = await h.c.orders.listForUser(ctx, { userId });
    // Named by its order number, the one support and the CLI take.
    expect(plainOf(paid)).toContain(`Paid ¥20.00 from your wallet. Order #${order!.number}`);
    const codes = await deliveredCodes(userId, order!.id);
    expect(codes.items).toHaveLength(2);
    expect(codes.items[0]!.code).toMatch(/^CODE-/);
    expect(codes.labels.code).toBe("Code");

    // My orders → detail → re-send the code (private only).
    await chat.send("/orders");
    expect(chat.text).toContain("Your recent orders");
    await chat.press(/Test card × 2/);
    expect(chat.text).toContain("Status: delivered");
    const again = await chat.press(/Send the code again/);
    const resent = again.find((r): r is CodesReply => r.kind === "codes")!;
    expect(resent.items.map((i) => i.code)).toEqual(codes.items.map((i) => i.code));
    await chat.send("/balance");
    expect(chat.text).toContain("¥30.00");
  });

  it("offers a top-up when the balance is short, and nothing is charged", async () => {
    const { category } = await codeProduct(3, 1500n);
    const chat = tg();
    await openCard(chat, category.nameEn);
    await chat.press("1");
    expect(chat.text).toContain("Your balance is ¥15.00 short");
    expect(() => findButton(chat.last, /from wallet/)).toThrow();
    const confirmation = chat.last;
    const link = await chat.press(/Top up ¥15.00/);
    const url = buttonsOf(link).find((b) => b.kind === "url");
    expect(url).toMatchObject({
      kind: "url",
      url: expect.stringMatching(/^http:\/\/pay\.test\/pay\/sandbox\/[0-9a-f-]{36}$/),
    });
    const userId = await h.userIdOf("telegram", chat.opts.externalId);
    expect(await h.orderCount(userId)).toBe(0);
    // Pressing again reuses the same checkout.
    const again = await chat.press(/Top up ¥15.00/, confirmation);
    expect(buttonsOf(again).find((b) => b.kind === "url")).toEqual(url);

    // The buyer pays on the sandbox checkout: the signed webhook credits the wallet once.
    const paymentId = (url as { url: string }).url.split("/").pop()!;
    const delivery = await h.payments.simulateSandboxEvent(ctx, { paymentId, outcome: "succeeded" });
    const hook = await h.payments.handleSandboxWebhook(
      delivery.rawBody,
      new Headers({ [SANDBOX_SIGNATURE_HEADER]: delivery.signature }),
    );
    expect(hook).toMatchObject({ ok: true, outcome: "credited" });
    expect(await h.balance(userId)).toBe(1500n);
    const out = await h.bot.onDomainEvent({
      type: "payment.succeeded",
      payload: { paymentId, userId, amount: "1500", currency: "CNY", purpose: "topup", provider: "sandbox" },
    });
    expect(plainOf(out[0]!.replies)).toContain("Top-up of ¥15.00 received. Balance: ¥15.00.");
    const cont = findButton(out[0]!.replies, /Continue with your order/);
    const res = await chat.pressData(cont.data);
    expect(plainOf(res)).toContain("Paid ¥15.00 from your wallet");
    expect(await h.orderCount(userId)).toBe(1);
  });
});

describe("shop bot: bad input", () => {
  it("answers quantity 0 / -1 / 10^9 / abc specifically, then accepts a valid one", async () => {
    const { category } = await codeProduct(5, 700n);
    const chat = tg();
    await openCard(chat, category.nameEn);
    await chat.press(/Other amount/);
    expect(chat.last[0]!.kind).toBe("prompt");
    expect(chat.text).toContain("Type the quantity (1–10)");
    await chat.send("0");
    expect(chat.text).toContain("The quantity must be at least 1");
    await chat.send("-1");
    expect(chat.text).toContain("The quantity must be at least 1");
    await chat.send("1000000000");
    expect(chat.text).toContain("At most 10 per order");
    await chat.send("abc");
    expect(chat.text).toContain('"abc" is not a number');
    await chat.send("6");
    expect(chat.text).toContain("Only 5 left");
    await chat.send(" 3 ");
    expect(chat.text).toContain("Total: ¥21.00");
    const userId = await h.userIdOf("telegram", chat.opts.externalId);
    expect(await h.orderCount(userId)).toBe(0);
  });

  it("validates the DIRECT recharge target: invalid, wrong carrier, then valid", async () => {
    const { supplier } = await h.shop.supplier("sim-direct");
    const product = await h.shop.directProduct([{ supplierId: supplier.id, cost: 2800n }], 3000n);
    await h.c.catalog.updateProduct(ctx, { productId: product.id, patch: { carrier: "CUCC" } });
    const cat = (await h.c.catalog.listCategories(ctx)).find((c) => c.id === product.categoryId)!;
    const chat = tg({ lang: "zh-CN" });
    await chat.send("/start");
    const userId = await h.userIdOf("telegram", chat.opts.externalId);
    await h.fund(userId, 10_000n);
    await chat.press(/商城/);
    await chat.press(cat.nameZh);
    await chat.press(/话费直充/);
    expect(chat.text).toContain("直充到中国联通手机号");
    await chat.press("1");
    expect(chat.text).toContain("请发送要充值的中国联通手机号");
    await chat.send("12345");
    expect(chat.text).toContain("“12345”不是有效的中国大陆手机号");
    await chat.send("13800138000");
    expect(chat.text).toContain("13800138000 是中国移动号码，但本商品只能充值中国联通号码");
    await chat.send("185 0000 0000".replace(/ /g, ""));
    expect(chat.text).toContain("请确认订单");
    expect(chat.text).toContain("充值号码：18500000000");
    expect(chat.text).toContain("合计：¥30.00");
    await chat.press(/用钱包支付/);
    expect(chat.text).toContain("正在为 18500000000 充值");
    const [order] = await h.c.orders.listForUser(ctx, { userId });
    expect(order!.target).toBe("18500000000");
    await h.shop.waitForStatus([order!.id], ["DELIVERED"]);
    const out = await h.bot.onDomainEvent({ type: "order.delivered", payload: { orderId: order!.id, userId } });
    expect(plainOf(out[0]!.replies)).toContain("已为 18500000000 充值");
  });

  it("an order event for an account with no private chat (an API buyer) reads nothing and sends nothing", async () => {
    const { product } = await codeProduct(2, 100n);
    const userId = await h.shop.user();
    await h.fund(userId, 1000n);
    const r = await h.c.orders.place(asBuyer(ctx, userId), {
      userId,
      productId: product.id,
      quantity: 1,
      idempotencyKey: "api-buyer",
      payWith: "wallet",
    });
    if (!r.ok) throw new Error(r.code);
    const reads = vi.spyOn(h.c.orders, "get");
    try {
      expect(await h.bot.onDomainEvent({ type: "order.delivered", payload: { orderId: r.order.id, userId } })).toEqual(
        [],
      );
      expect(reads).not.toHaveBeenCalled();
    } finally {
      reads.mockRestore();
    }
  });

  it("a batch of events prepared by the relay reads its users' chats in one query, and each event none", async () => {
    const { product } = await codeProduct(3, 100n);
    const chat = tg();
    await chat.send("/start");
    const userId = await h.userIdOf("telegram", chat.opts.externalId);
    const apiBuyer = await h.shop.user();
    const place = async (u: string, key: string) => {
      await h.fund(u, 1000n);
      const r = await h.c.orders.place(asBuyer(ctx, u), {
        userId: u,
        productId: product.id,
        quantity: 1,
        idempotencyKey: key,
        payWith: "wallet",
      });
      if (!r.ok) throw new Error(r.code);
      return r.order.id;
    };
    const events = [
      { id: "9000001", type: "order.delivered", payload: { orderId: await place(userId, "batch-a"), userId } },
      {
        id: "9000002",
        type: "order.delivered",
        payload: { orderId: await place(apiBuyer, "batch-b"), userId: apiBuyer },
      },
    ];
    const batchRead = vi.spyOn(h.identity, "identitiesOfUsers");
    const singleRead = vi.spyOn(h.identity, "identitiesOf");
    try {
      await h.bot.prepareEvents(events);
      const toChat = await h.bot.onDomainEvent(events[0]!);
      const toNobody = await h.bot.onDomainEvent(events[1]!);
      expect(toChat).toHaveLength(1);
      expect(toChat[0]).toMatchObject({ userId, channel: "telegram", chatId: chat.opts.externalId });
      expect(toNobody).toEqual([]);
      expect(batchRead).toHaveBeenCalledTimes(1);
      expect(singleRead).not.toHaveBeenCalled();
      // An event outside the prepared batch reads for itself.
      await h.bot.onDomainEvent({ ...events[0]!, id: "9000003" });
      expect(singleRead).toHaveBeenCalledTimes(1);
    } finally {
      batchRead.mockRestore();
      singleRead.mockRestore();
    }
  });

  it("refuses forged or tampered button data and other users' orders; nothing is charged", async () => {
    const { category } = await codeProduct(5, 500n);
    const chat = tg();
    await openCard(chat, category.nameEn);
    const userId = await h.userIdOf("telegram", chat.opts.externalId);
    await h.fund(userId, 5000n);
    const qty = findButton(chat.last, "1").data;
    for (const forged of [
      "Q" + qty.slice(1, -1) + (qty.endsWith("A") ? "B" : "A"),
      qty.replace(/\.1~/, ".9~"),
      "buy:" + category.id,
      "x".repeat(64),
      "",
    ]) {
      const r = await chat.pressData(forged);
      expect(plainOf(r)).toContain("This button is no longer valid");
    }
    // A genuine order button of someone else.
    const other = tg();
    await other.send("/start");
    const otherId = await h.userIdOf("telegram", other.opts.externalId);
    await h.fund(otherId, 5000n);
    await openCard(other, category.nameEn);
    await other.press("1");
    await other.press(/from wallet/);
    const orderBtn = findButton(other.last, /My orders/);
    const r = await chat.pressData(orderBtn.data);
    expect(plainOf(r)).toContain("This button is no longer valid");
    // A confirm button from another conversation.
    await openCard(other, category.nameEn);
    await other.press("1");
    const otherPay = findButton(other.last, /from wallet/);
    expect(plainOf(await chat.pressData(otherPay.data))).toContain("This button is no longer valid");
    expect(await h.orderCount(userId)).toBe(0);
    expect(await h.balance(userId)).toBe(5000n);
  });

  it("answers a file it does not expect with a short hint in the user's language; the flow goes on", async () => {
    const { category } = await codeProduct(5, 1000n);
    let reads = 0;
    const file: FileInput = {
      kind: "file",
      name: "codes.csv",
      mimeType: "text/csv",
      size: 12,
      read: async () => (reads++, new TextEncoder().encode("AAAA-BBBB\n")),
    };
    const chat = tg();
    await openCard(chat, category.nameEn);
    await chat.press(/Other amount/);
    const r = await chat.input(file);
    expect(plainOf(r)).toBe("I can't use files here. Please use the buttons below (or send /help).");
    expect(findButton(r, /Menu/)).toBeDefined();
    // Nothing downloaded, nothing changed: the quantity the buyer types next still counts.
    expect(reads).toBe(0);
    expect(plainOf(await chat.send("2"))).toContain("Test card × 2");
    const zh = tg({ lang: "zh-CN" });
    await zh.send("/start");
    expect(plainOf(await zh.input(file))).toContain("这里用不到文件");
    const group = tg({ kind: "group", chatId: "-100555" });
    expect(plainOf(await group.input(file))).toContain("I can't use files here");
  });

  it("says what to do when text arrives where a button was expected", async () => {
    const { category } = await codeProduct(5, 500n);
    const chat = tg();
    await chat.send("/start");
    await chat.send("hello?");
    // Free text is a product search: nothing matches, so the menu comes with a hint.
    expect(chat.text).toContain("No products match “hello?”");
    expect(buttonsOf(chat.last).length).toBeGreaterThan(0);
    await openCard(chat, category.nameEn);
    await chat.press("1");
    await chat.send("yes please");
    expect(chat.text).toContain("Please tap Pay or Cancel below.");
    expect(chat.text).toContain("Please confirm your order");
    await chat.send("/nonsense");
    expect(chat.text).toContain("I don't know /nonsense");
    await chat.send("/cancel");
    expect(chat.text).toContain("Cancelled");
  });
});

describe("shop bot: stale buttons", () => {
  it("re-checks a stale product/quantity button after a price change", async () => {
    const { product, category } = await codeProduct(5, 1000n);
    const chat = tg();
    await openCard(chat, category.nameEn);
    const oldQty = findButton(chat.last, "1").data;
    await h.c.catalog.updateProduct(ctx, { productId: product.id, patch: { price: 1200n } });
    const r = await chat.pressData(oldQty);
    expect(plainOf(r)).toContain("The price changed from ¥10.00 to ¥12.00");
    expect(plainOf(r)).toContain("Price: ¥12.00");
    const userId = await h.userIdOf("telegram", chat.opts.externalId);
    expect(await h.orderCount(userId)).toBe(0);
  });

  it("re-quotes a stale confirmation and never charges the old price", async () => {
    const { product, category } = await codeProduct(5, 1000n);
    const chat = tg();
    await openCard(chat, category.nameEn);
    const userId = await h.userIdOf("telegram", chat.opts.externalId);
    await h.fund(userId, 10_000n);
    await chat.press("2");
    const pay = findButton(chat.last, /Pay ¥20.00/).data;
    await h.c.catalog.updateProduct(ctx, { productId: product.id, patch: { price: 900n } });
    const r = await chat.pressData(pay);
    expect(plainOf(r)).toContain("The price changed from ¥20.00 to ¥18.00");
    expect(await h.orderCount(userId)).toBe(0);
    // The old button is dead; the new one buys at the new price.
    expect(plainOf(await chat.pressData(pay))).toContain("no longer valid");
    await chat.press(/Pay ¥18.00/, r);
    expect(await h.balance(userId)).toBe(10_000n - 1800n);
  });

  it("says when a product is gone or sold out, and tells the buyer when it is back", async () => {
    const { product, category } = await codeProduct(1, 800n);
    const chat = tg();
    await openCard(chat, category.nameEn);
    const stale = findButton(chat.last, "1").data;
    // Someone else buys the last code.
    const other = tg();
    await other.send("/start");
    const otherId = await h.userIdOf("telegram", other.opts.externalId);
    await h.fund(otherId, 800n);
    await openCard(other, category.nameEn);
    await other.press("1");
    await other.press(/from wallet/);
    const r = await chat.pressData(stale);
    expect(plainOf(r)).toContain("Test card is sold out right now.");
    await chat.press(/Tell me when it's back/, r);
    expect(chat.text).toContain("I'll tell you when Test card is back in stock");
    await h.shop.importCodes(product.id, 3);
    const out = await h.bot.onDomainEvent({ type: "stock.restocked", payload: { productId: product.id } });
    const userId = await h.userIdOf("telegram", chat.opts.externalId);
    const mine = out.filter((o) => o.userId === userId);
    expect(mine).toHaveLength(1);
    expect(plainOf(mine[0]!.replies)).toContain("Test card is back in stock!");
    // Told once.
    expect(await h.bot.onDomainEvent({ type: "stock.restocked", payload: { productId: product.id } })).toEqual([]);
    // Deactivated → gone.
    const view = findButton(mine[0]!.replies, /View Test card/).data;
    await h.c.catalog.updateProduct(ctx, { productId: product.id, patch: { active: false } });
    expect(plainOf(await chat.pressData(view))).toContain("this product is no longer available");
  });
});

describe("shop bot: quantity after a refusal at Pay", () => {
  it("not enough stock at Pay asks again for 1–available, and a typed quantity continues the purchase", async () => {
    const { category } = await codeProduct(3, 1000n);
    const chat = tg();
    await openCard(chat, category.nameEn);
    const userId = await h.userIdOf("telegram", chat.opts.externalId);
    await h.fund(userId, 10_000n);
    await chat.press("3");
    const pay = findButton(chat.last, /Pay ¥30.00/).data;
    // Someone else buys one code meanwhile.
    const other = tg();
    await other.send("/start");
    await h.fund(await h.userIdOf("telegram", other.opts.externalId), 1000n);
    await openCard(other, category.nameEn);
    await other.press("1");
    await other.press(/from wallet/);

    const refused = await chat.pressData(pay);
    expect(plainOf(refused)).toContain("only 2 left");
    expect(plainOf(refused)).toContain("Type the quantity (1–2)");
    expect(await h.orderCount(userId)).toBe(0);
    const typed = await chat.send("2");
    expect(plainOf(typed)).not.toContain("Please tap Pay or Cancel");
    await chat.press(/Pay ¥20.00/, typed);
    expect(await h.orderCount(userId)).toBe(1);
    expect(await h.balance(userId)).toBe(10_000n - 2000n);
  });

  it("changed quantity limits at Pay ask again with the new range, and a typed quantity continues", async () => {
    const { product, category } = await codeProduct(5, 1000n);
    const chat = tg();
    await openCard(chat, category.nameEn);
    const userId = await h.userIdOf("telegram", chat.opts.externalId);
    await h.fund(userId, 10_000n);
    await chat.press("3");
    const pay = findButton(chat.last, /Pay ¥30.00/).data;
    await h.c.catalog.updateProduct(ctx, { productId: product.id, patch: { maxQty: 2 } });

    const refused = await chat.pressData(pay);
    expect(plainOf(refused)).toContain("The quantity limits changed (1–2)");
    expect(await h.orderCount(userId)).toBe(0);
    expect(plainOf(await chat.send("3"))).toContain("At most 2 per order");
    const typed = await chat.send("2");
    expect(plainOf(typed)).not.toContain("Please tap Pay or Cancel");
    await chat.press(/Pay ¥20.00/, typed);
    expect(await h.orderCount(userId)).toBe(1);
  });

  it("a typed quantity above the stock says how many are left and asks within 1–available", async () => {
    const { category } = await codeProduct(4, 1000n);
    const chat = tg();
    await openCard(chat, category.nameEn);
    await chat.press(/Other amount/);
    const r = await chat.send("7");
    expect(plainOf(r)).toContain("Only 4 left");
    expect(plainOf(r)).toContain("Type the quantity (1–4)");
    expect(plainOf(await chat.send("4"))).toContain("Test card × 4");
  });
});

describe("shop bot: old confirmations", () => {
  it("refuses a Pay button from a confirmation shown hours ago", async () => {
    const { category } = await codeProduct(5, 1000n);
    const chat = tg();
    await openCard(chat, category.nameEn);
    const userId = await h.userIdOf("telegram", chat.opts.externalId);
    await h.fund(userId, 5000n);
    await chat.press("1");
    const pay = findButton(chat.last, /from wallet/).data;
    const key = { userId, channel: "telegram", chatId: chat.opts.externalId };
    await h.conversations.update<ShopState, null>(ctx, key, (cur) => ({
      state: { ...cur, pending: { ...cur!.pending!, at: new Date(Date.now() - 3 * 3600_000).toISOString() } },
      result: null,
    }));
    expect(plainOf(await chat.pressData(pay))).toContain("This button is no longer valid");
    expect(await h.orderCount(userId)).toBe(0);
  });
});

describe("shop bot: concurrency and idempotency", () => {
  it("two devices on one conversation pressing Pay at once buy once", async () => {
    const { category } = await codeProduct(5, 1000n);
    const phone = tg();
    await openCard(phone, category.nameEn);
    const desktop = h.client({ ...phone.opts });
    const userId = await h.userIdOf("telegram", phone.opts.externalId);
    await h.fund(userId, 10_000n);
    await phone.press("1");
    const pay = findButton(phone.last, /from wallet/).data;
    const results = await Promise.all([phone, desktop, phone, desktop].map((d) => d.pressData(pay)));
    expect(await h.orderCount(userId)).toBe(1);
    expect(await h.balance(userId)).toBe(9000n);
    const texts = results.map(plainOf);
    expect(texts.filter((t) => /Paid ¥10.00 from your wallet/.test(t))).toHaveLength(1);
    expect(texts.filter((t) => /already placed/.test(t))).toHaveLength(3);
  });

  it("a second device starting another flow invalidates the first device's confirmation", async () => {
    const { category } = await codeProduct(5, 1000n);
    const phone = tg();
    const desktop = h.client({ ...phone.opts });
    await openCard(phone, category.nameEn);
    const userId = await h.userIdOf("telegram", phone.opts.externalId);
    await h.fund(userId, 10_000n);
    await phone.press("1");
    const phonePay = findButton(phone.last, /from wallet/).data;
    await openCard(desktop, category.nameEn);
    await desktop.press("3");
    const deskPay = findButton(desktop.last, /from wallet/).data;
    await Promise.all([phone.pressData(phonePay), desktop.pressData(deskPay)]);
    expect(await h.orderCount(userId)).toBe(1);
    expect(await h.balance(userId)).toBe(7000n);
  });
});

describe("shop bot: durable conversation state", () => {
  it("continues a flow on another process (no process memory)", async () => {
    const { category } = await codeProduct(5, 1000n);
    const chat = tg();
    await openCard(chat, category.nameEn);
    await chat.press(/Other amount/);
    // The next message lands on a different server process.
    const other = new ChatClient(h.makeBot(), chat.opts);
    await other.send("4");
    expect(other.text).toContain("Test card × 4");
    expect(other.text).toContain("Total: ¥40.00");
  });
});

describe("shop bot: groups", () => {
  it("never sends a code in a group; buy buttons deep-link into the private chat", async () => {
    const { product, category } = await codeProduct(5, 1000n);
    const member = tg({ kind: "group", chatId: "-100777" });
    const start = await member.send("/start");
    expect(buttonsOf(start).some((b) => b.kind === "url" && b.url === "https://t.me/kameng_test_bot?start=start")).toBe(
      true,
    );
    await member.press(/Shop/);
    await member.press(category.nameEn);
    const card = await member.press(/Test card/);
    const buy = buttonsOf(card).find((b) => b.kind === "url");
    expect(buy).toEqual({
      kind: "url",
      label: "🛒 Buy in private chat",
      url: `https://t.me/kameng_test_bot?start=buy_${product.id}`,
    });
    expect(buttonsOf(card).some((b) => b.label === "1")).toBe(false);
    // Private-only things in the group → a deep link, and how to start first.
    const orders = await member.send("/orders");
    const dl = orders[0] as DeepLinkReply;
    expect(dl.kind).toBe("deep_link");
    expect(plainOf(orders)).toContain("tap Start first");
    // Plain chatter in the group is ignored.
    expect(await member.send("nice shop")).toEqual([]);

    // The deep link opens the product card in private; after that can_dm is known.
    const priv = tg({ externalId: member.opts.externalId });
    await priv.send(`/start buy_${product.id}`);
    expect(priv.text).toContain("How many?");
    const userId = await h.userIdOf("telegram", member.opts.externalId);
    await h.fund(userId, 5000n);
    await priv.press("1");
    await priv.press(/from wallet/);
    const [order] = await h.c.orders.listForUser(ctx, { userId });
    await deliveredCodes(userId, order!.id);
    // A re-send pressed in the group never posts the code there.
    const resendInGroup = await member.pressData(
      findButton(await priv.pressData(findButton(priv.last, /My orders/).data), /Send the code again/).data,
    );
    expect(resendInGroup.some((r: Reply) => r.kind === "codes")).toBe(false);
    expect(resendInGroup[0]!.kind).toBe("deep_link");
    expect(plainOf(resendInGroup)).not.toContain("tap Start first");
  });
});

describe("shop bot: identity", () => {
  it("records the /start referral payload once", async () => {
    const referrer = tg();
    await referrer.send("/start");
    const refId = await h.userIdOf("telegram", referrer.opts.externalId);
    const chat = tg();
    await chat.send(`/start ref_${refId}`);
    await chat.send(`/start ref_someone_else`);
    const user = await h.identity.getUser(ctx, await h.userIdOf("telegram", chat.opts.externalId));
    expect(user.referredBy).toBe(refId);
    expect(user.startPayload).toBe(`ref_${refId}`);
  });

  it("switches language with /lang and the language menu", async () => {
    const chat = tg({ lang: "zh-hans" });
    await chat.send("/start");
    expect(chat.text).toContain("欢迎");
    await chat.send("/lang en");
    expect(chat.text).toContain("Language set to English.");
    await chat.send("/help");
    expect(chat.text).toContain("How it works");
    await chat.send("/lang klingon");
    expect(chat.text).toContain('I don\'t know "klingon"');
    await chat.press("简体中文");
    expect(chat.text).toContain("语言已切换为简体中文");
    await chat.send("/balance");
    expect(chat.text).toContain("您的钱包余额：¥0.00");
  });

  it("links a web chat to a Telegram account with a one-time code: same wallet and orders", async () => {
    const { category } = await codeProduct(5, 1000n);
    const phone = tg();
    await openCard(phone, category.nameEn);
    const userId = await h.userIdOf("telegram", phone.opts.externalId);
    await h.fund(userId, 5000n);
    await phone.press("1");
    await phone.press(/from wallet/);

    await phone.send("/link");
    await phone.press(/Get a link code/);
    const code = /([A-Z2-9]{4}-[A-Z2-9]{4})/.exec(phone.text)![1]!;
    const web = h.client({ channel: "web", externalId: "browser-link-1", lang: "en" });
    await web.send("/start");
    await web.press(/Link another app/);
    await web.press(/Enter a code/);
    await web.send("WRONG-CODE");
    expect(web.text).toContain("That code is not valid");
    await web.send(code.toLowerCase());
    expect(web.text).toContain("Linked!");
    expect(await h.userIdOf("web", "browser-link-1")).toBe(userId);
    await web.send("/balance");
    expect(web.text).toContain("¥40.00");
    await web.send("/orders");
    expect(buttonsOf(web.last).some((b) => /Test card × 1/.test(b.label))).toBe(true);
    // Single use.
    const web2 = h.client({ channel: "web", externalId: "browser-link-2", lang: "en" });
    await web2.send(`/link ${code}`);
    expect(web2.text).toContain("already used");
    // An account with history cannot be merged away.
    const other = tg();
    await other.send("/start");
    await h.fund(await h.userIdOf("telegram", other.opts.externalId), 100n);
    const fresh = await h.identity.createLinkCode(ctx, { userId });
    await other.send(`/link ${fresh.code}`);
    expect(other.text).toContain("already has orders or money");
  });
});

describe("shop bot: Telegram Stars", () => {
  it("invoice → pre-checkout → successful payment → paid order, idempotent on the charge id", async () => {
    const cat = await h.shop.category();
    const product = await h.c.catalog.upsertProduct(ctx, {
      sku: "STARS-1",
      categoryId: cat.id,
      nameZh: "星星卡",
      nameEn: "Star card",
      faceValue: 50n,
      currency: "XTR",
      price: 50n,
      deliveryKind: "CODE",
    });
    await h.shop.importCodes(product.id, 2);
    const chat = tg();
    await chat.send(`/start buy_${product.id}`);
    await chat.press("1");
    expect(chat.text).toContain("Total: 50 ⭐");
    const inv = (await chat.press(/Pay 50 ⭐ with Stars/)).find((r): r is InvoiceReply => r.kind === "invoice")!;
    expect(inv).toMatchObject({ kind: "invoice", currency: "XTR", amount: 50n });
    const pre = await chat.input({
      kind: "precheckout",
      queryId: "q1",
      invoicePayload: inv.payload,
      amount: 50n,
      currency: "XTR",
    });
    expect(pre).toEqual([{ kind: "answer_precheckout", queryId: "q1", ok: true }]);
    const bad = await chat.input({
      kind: "precheckout",
      queryId: "q2",
      invoicePayload: inv.payload,
      amount: 1n,
      currency: "XTR",
    });
    expect(bad[0]).toMatchObject({ ok: false });
    const pay = {
      kind: "payment",
      provider: "telegram_stars",
      chargeId: "ch_1",
      invoicePayload: inv.payload,
      amount: 50n,
      currency: "XTR",
    } as const;
    expect(plainOf(await chat.input(pay))).toContain("Payment received");
    expect(plainOf(await chat.input(pay))).toContain("Payment received");
    const userId = await h.userIdOf("telegram", chat.opts.externalId);
    const orders = await h.c.orders.listForUser(ctx, { userId });
    expect(orders).toHaveLength(1);
    await h.shop.waitForStatus([orders[0]!.id], ["DELIVERED"]);
    expect(await h.balance(userId, "XTR")).toBe(0n);
    // The Stars payment itself is not announced as a top-up (the payment turn answered it).
    const payments = await h.prisma.payment.findMany({ where: { userId } });
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({ provider: "telegram_stars", status: "SUCCEEDED", externalId: "ch_1" });
    expect(
      await h.bot.onDomainEvent({
        type: "payment.succeeded",
        payload: {
          paymentId: payments[0]!.id,
          userId,
          orderId: orders[0]!.id,
          purpose: "order",
          amount: "50",
          currency: "XTR",
        },
      }),
    ).toEqual([]);
    // Paid now: a second pre-checkout is refused.
    const late = await chat.input({
      kind: "precheckout",
      queryId: "q3",
      invoicePayload: inv.payload,
      amount: 50n,
      currency: "XTR",
    });
    expect(late[0]).toMatchObject({ ok: false });
  });
});

describe("shop bot: failed fulfilment", () => {
  it("tells the buyer the order was refunded and shows the new balance", async () => {
    const { supplier } = await h.shop.supplier("sim-broken", { failureRate: 1 });
    const product = await h.shop.directProduct([{ supplierId: supplier.id, cost: 2800n }], 3000n);
    const chat = tg();
    await chat.send(`/start buy_${product.id}`);
    const userId = await h.userIdOf("telegram", chat.opts.externalId);
    await h.fund(userId, 5000n);
    await chat.press("1");
    await chat.send("13800138000");
    await chat.press(/from wallet/);
    expect(await h.balance(userId)).toBe(2000n);
    const [order] = await h.c.orders.listForUser(ctx, { userId });
    await h.shop.waitForStatus([order!.id], ["REFUNDED"], 45_000);
    const out = await h.bot.onDomainEvent({ type: "order.refunded", payload: { orderId: order!.id, userId } });
    expect(out).toHaveLength(1);
    expect(plainOf(out[0]!.replies)).toMatch(
      /couldn't deliver order #[0-9A-Z]{4}-[0-9A-Z]{4} \(Mobile top-up\)\. ¥30\.00 was refunded to your wallet\. New balance: ¥50\.00\./,
    );
    expect(plainOf(out[0]!.replies)).toContain(`#${order!.number} `);
    expect(out[0]!.replies.some((r) => r.kind === "codes")).toBe(false);
  }, 60_000);
});

describe("shop bot: finding and choosing", () => {
  let seq = 0;
  /** A product with names of its own (the file's other products are all "Test card" / "Mobile top-up"). */
  async function named(
    nameZh: string,
    nameEn: string,
    o: { direct?: boolean; carrier?: "CMCC" | "CUCC" | "CTCC"; maxQty?: number; stock?: number } = {},
  ) {
    const cat = await h.shop.category();
    const product = await h.c.catalog.upsertProduct(ctx, {
      sku: `FIND-${++seq}-${Date.now().toString(36)}`,
      categoryId: cat.id,
      nameZh,
      nameEn,
      faceValue: 1000n,
      currency: "CNY",
      price: 1000n,
      deliveryKind: o.direct ? "DIRECT" : "CODE",
      targetKind: o.direct ? "MOBILE" : null,
      carrier: o.carrier ?? null,
      maxQty: o.maxQty ?? 10,
    });
    if (o.stock) await h.shop.importCodes(product.id, o.stock);
    if (o.direct) {
      const { supplier } = await h.shop.supplier(`find-sim-${seq}`);
      await h.c.suppliers.linkProduct(ctx, { productId: product.id, supplierId: supplier.id, cost: 900n });
    }
    return { product, category: (await h.c.catalog.listCategories(ctx)).find((c) => c.id === cat.id)! };
  }

  it("a product sold one at a time skips the quantity question", async () => {
    const { category } = await named("固定一份直充", "Fixed single top-up", { direct: true, maxQty: 1 });
    const chat = tg();
    await openCard(chat, category.nameEn, /Fixed single top-up/);
    expect(chat.text).toContain("Fixed single top-up");
    expect(chat.text).not.toContain("How many?");
    expect(chat.text).not.toContain("Quantity:");
    expect(buttonsOf(chat.last).map((b) => b.label)).not.toContain("1");
    expect(chat.text).toContain("Send the mobile number to top up");
    await chat.send("13800138000");
    expect(chat.text).toContain("Please confirm your order");
  });

  it("labels stock once, says nothing about stock for top-ups, and writes money one way per locale", async () => {
    const { category } = await named("单标签点卡", "Single label card", { stock: 4 });
    const zh = tg({ lang: "zh-CN" });
    await zh.send("/start");
    await zh.press(/商城/);
    await zh.press(category.nameZh);
    await zh.press(/单标签点卡/);
    expect(zh.text).toContain("库存：4");
    expect(zh.text).not.toMatch(/库存：库存/);
    expect(zh.text).toContain("价格：¥10.00");
    const d = await named("无库存直充", "No stock top-up", { direct: true });
    const en = tg();
    await openCard(en, d.category.nameEn, /No stock top-up/);
    expect(en.text).toContain("Price: ¥10.00");
    expect(en.text).not.toContain("Stock:");
    expect(en.text).not.toContain("CN¥");
  });

  it("free text searches products by their Chinese and English names", async () => {
    await named("斑马视频会员 月卡", "Zebra Video VIP, 1 month", { stock: 2 });
    await named("斑马游戏点卡", "Zebra game card", { stock: 2 });
    const chat = tg();
    await chat.send("/start");
    await chat.send("斑马视频");
    expect(chat.text).toContain("Zebra Video VIP, 1 month"); // one match: its card, in the buyer's language
    expect(chat.text).toContain("How many?");
    await chat.send("zebra");
    expect(chat.text).toContain("Products matching “zebra”:");
    const labels = buttonsOf(chat.last).map((b) => b.label);
    expect(labels).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Zebra Video VIP/), expect.stringMatching(/^Zebra game card/)]),
    );
    await chat.press(/^Zebra game card/);
    expect(chat.text).toContain("How many?");
    // A name typed at the quantity question is a search too.
    await chat.send("ＺＥＢＲＡ VIP");
    expect(chat.text).toContain("How many?");
    expect(chat.text).toContain("Zebra Video VIP");
    await chat.send("/cancel");
    await chat.send("xyzzy-nothing");
    expect(chat.text).toContain("No products match “xyzzy-nothing”");
  });

  it("a number of another carrier is offered the products that top it up", async () => {
    const unicom = await named("联通专享直充", "Unicom-only top-up", { direct: true, carrier: "CUCC", maxQty: 1 });
    await named("移动专享直充", "Mobile-only top-up", { direct: true, carrier: "CMCC", maxQty: 1 });
    await named("电信专享直充", "Telecom-only top-up", { direct: true, carrier: "CTCC", maxQty: 1 });
    const chat = tg();
    await chat.send("/start");
    const userId = await h.userIdOf("telegram", chat.opts.externalId);
    await h.fund(userId, 5_000n);
    await openCard(chat, unicom.category.nameEn, /Unicom-only top-up/);
    await chat.send("138 0013 8000");
    expect(chat.text).toContain("138 0013 8000 is a China Mobile number");
    expect(chat.text).toContain("These products top up China Mobile numbers; pick one to top up 13800138000:");
    const labels = buttonsOf(chat.last).map((b) => b.label);
    expect(labels.some((l) => l.startsWith("Mobile-only top-up"))).toBe(true);
    expect(labels.some((l) => l.startsWith("Telecom-only top-up"))).toBe(false);
    await chat.press(/^Mobile-only top-up/);
    expect(chat.text).toContain("Please confirm your order");
    expect(chat.text).toContain("Top up: 13800138000");
    await chat.press(/from wallet/);
    expect(chat.text).toContain("topping up 13800138000");
  });

  it("greets a returning buyer as returning and shows times in their zone, with the zone", async () => {
    const { product } = await codeProduct(2, 100n);
    const chat = tg({ externalId: "tz-1" });
    expect(plainOf(await chat.send("/start"))).toContain("Welcome, Tester!");
    expect(plainOf(await chat.send("/start"))).toContain("Welcome back, Tester!");
    const userId = await h.userIdOf("telegram", "tz-1");
    await h.fund(userId, 1_000n);
    const r = await h.c.orders.place(asBuyer(ctx, userId), {
      userId,
      productId: product.id,
      quantity: 1,
      idempotencyKey: "tz-order",
      payWith: "wallet",
    });
    if (!r.ok) throw new Error(r.code);
    await chat.send("/orders");
    await chat.press(/Test card × 1/);
    expect(chat.text).toMatch(/Placed: \w{3} \d{1,2}, \d{4}, \d{2}:\d{2} \(GMT\+8\)/); // Telegram: the shop's zone
    const web = tg({ externalId: "tz-1", timeZone: "America/New_York" });
    await web.send("/orders");
    await web.press(/Test card × 1/);
    expect(web.text).toMatch(/Placed: .* \(GMT-[45]\)/);
  });
});
