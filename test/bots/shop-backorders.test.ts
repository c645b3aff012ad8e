import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CodesReply } from "../../bots/turn.ts";
import { asBuyer } from "../../core/shared/index.ts";
import { ctx } from "../e2e/support/shop.ts";
import { buttonsOf, createBotHarness, plainOf, type BotHarness } from "./support/bot-harness.ts";

/**
 * 补单 in the shop bot: a sold-out product that takes backorders can still be bought; the buyer hears the
 * order waits for a restock, and gets the code in chat when an import fills it.
 */
let h: BotHarness;
beforeAll(async () => {
  h = await createBotHarness("shopbackorders", { workers: false });
});
afterAll(() => h.dispose());

describe("shop bot: backorders", () => {
  it("buys a sold-out backorder product; the code arrives in chat after the import", async () => {
    const p = await h.shop.codeProduct({ stock: 0, price: 1000n });
    await h.c.catalog.updateProduct(ctx, { productId: p.id, patch: { acceptBackorders: true } });
    const category = (await h.c.catalog.listCategories(ctx)).find((c) => c.id === p.categoryId)!;
    const chat = h.client({ channel: "telegram", externalId: "880001", lang: "en" });
    await chat.send("/start");
    const userId = await h.userIdOf("telegram", "880001");
    await h.fund(userId, 5000n);
    await chat.press(/Shop/);
    await chat.press(category.nameEn);
    await chat.press(/Test card/);
    expect(chat.text).toContain("Stock: sold out — orders are taken and delivered on restock (补单), or refunded");
    expect(buttonsOf(chat.last).map((b) => b.label)).toContain("1");
    await chat.press("1");
    expect(chat.text).toContain("Please confirm your order");
    const paid = await chat.press(/Pay ¥10.00 from wallet/);
    const [order] = await h.c.orders.listForUser(ctx, { userId });
    expect(order!.status).toBe("AWAITING_STOCK");
    expect(plainOf(paid)).toContain(`Order #${order!.number} (Test card) is paid (¥10.00) but sold out right now`);
    expect(await h.balance(userId)).toBe(4000n);
    // Told in the reply already: the event from CREATED sends nothing more.
    expect(
      await h.bot.onDomainEvent({
        type: "order.awaiting_stock",
        payload: { orderId: order!.id, userId, from: "CREATED" },
      }),
    ).toEqual([]);

    // Paid later (Stars, here the wallet) and found no stock when fulfilled: the notifier tells the buyer.
    const later = await h.c.orders.place(asBuyer(ctx, userId), {
      userId,
      productId: p.id,
      quantity: 1,
      idempotencyKey: "bo-later",
      payWith: "later",
    });
    if (!later.ok) throw new Error(later.code);
    await h.c.orders.payFromWallet(asBuyer(ctx, userId), { orderId: later.order.id });
    expect(await h.c.orders.fulfil(ctx, { orderId: later.order.id })).toMatchObject({ status: "AWAITING_STOCK" });
    const told = await h.bot.onDomainEvent({
      type: "order.awaiting_stock",
      payload: { orderId: later.order.id, userId, from: "PAID" },
    });
    expect(told).toHaveLength(1);
    expect(plainOf(told[0]!.replies)).toMatch(/Order #\S+ \(Test card\) is paid \(¥10\.00\) but sold out right now/);

    await h.shop.importCodes(p.id, 1, "bo");
    const { filled } = await h.c.orders.fillBackorders(ctx, { productId: p.id });
    expect(filled.map((o) => o.id)).toEqual([order!.id]);
    const out = await h.bot.onDomainEvent({ type: "order.delivered", payload: { orderId: order!.id, userId } });
    const codes = out[0]!.replies.find((r): r is CodesReply => r.kind === "codes")!;
    expect(codes.items.map((i) => i.code)).toEqual(["CODE-bo-0"]);
  });
});
