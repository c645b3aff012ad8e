import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createI18n } from "../../bots/i18n/index.ts";
import { createShopBot, shopPortsFromCore } from "../../bots/shop/index.ts";
import type { InvoiceReply } from "../../bots/turn.ts";
import { createPayments } from "../../core/payments/index.ts";
import { ChatClient, createBotHarness, plainOf, type BotHarness } from "./support/bot-harness.ts";

/**
 * The Stars rate changes between the invoice and its pre-checkout (the shop restarted with another
 * `STARS_PER_CNY`): the old invoice is refused as a changed price, saying old → new, and nothing is paid;
 * a new confirmation shows the new Stars price and its invoice goes through.
 */
let h: BotHarness;
const portsAt = (rate: string) =>
  shopPortsFromCore({
    catalog: h.c.catalog,
    inventory: h.c.inventory,
    orders: h.c.orders,
    ledger: h.c.ledger,
    payments: createPayments({
      sql: h.c.db.sql,
      clock: h.c.clock,
      ledger: h.c.ledger,
      sandbox: { secret: h.c.sandboxWebhookSecret, publicUrl: "http://pay.test" },
      starsRates: { CNY: rate },
    }),
  });

/** A shop bot process whose payments price Stars at `rate` (the same database, button key and channels). */
const botAt = (rate: string) =>
  createShopBot({
    ports: portsAt(rate),
    identity: h.identity,
    conversations: h.conversations,
    i18n: createI18n(),
    clock: h.c.clock,
    buttonKey: "stars-rate-button-key-0123456789",
    channels: {
      telegram: { deepLink: () => null, starsInvoices: true },
      web: { deepLink: () => null, starsInvoices: false },
    },
  });

beforeAll(async () => {
  h = await createBotHarness("starsrate");
}, 60_000);
afterAll(async () => h?.dispose());

describe("shop bot: Stars price of a CNY product when the rate changes", () => {
  it("refuses the old invoice's pre-checkout as a changed price; the new confirmation's invoice is approved", async () => {
    const product = await h.shop.codeProduct({ stock: 2, price: 1000n });
    const chat = new ChatClient(botAt("11"), { channel: "telegram", externalId: "tg-rate-1", lang: "en" });
    await chat.send(`/start buy_${product.id}`);
    expect(chat.text).toContain("Price: ¥10.00 (110 ⭐)");
    await chat.press("1");
    expect(chat.text).toContain("Total: ¥10.00 (110 ⭐)");
    const inv = (await chat.press(/Pay 110 ⭐ with Stars/)).find((r): r is InvoiceReply => r.kind === "invoice")!;
    expect(inv).toMatchObject({ currency: "XTR", amount: 110n });
    expect(inv.payload).toMatch(/^s:[0-9a-f-]{36}$/);

    // Restarted at 12 Stars per yuan: the same buyer's pre-checkout reaches the new process.
    const after = botAt("12");
    const again = new ChatClient(after, { channel: "telegram", externalId: "tg-rate-1", lang: "en" });
    const pre = await again.input({
      kind: "precheckout",
      queryId: "q-rate",
      invoicePayload: inv.payload,
      amount: 110n,
      currency: "XTR",
    });
    expect(pre).toEqual([
      {
        kind: "answer_precheckout",
        queryId: "q-rate",
        ok: false,
        error:
          "The price in Stars changed since this invoice was sent (110 ⭐ → 120 ⭐). Nothing was charged: open the product again to pay the current price.",
      },
    ]);
    const userId = await h.userIdOf("telegram", "tg-rate-1");
    expect(await h.prisma.payment.count({ where: { userId, status: { not: "PENDING" } } })).toBe(0);

    // Open it again: the new price, and an invoice that is approved.
    await again.send(`/start buy_${product.id}`);
    await again.press("1");
    expect(again.text).toContain("Total: ¥10.00 (120 ⭐)");
    const inv2 = (await again.press(/Pay 120 ⭐ with Stars/)).find((r): r is InvoiceReply => r.kind === "invoice")!;
    const ok = await again.input({
      kind: "precheckout",
      queryId: "q-rate-2",
      invoicePayload: inv2.payload,
      amount: 120n,
      currency: "XTR",
    });
    expect(ok).toEqual([{ kind: "answer_precheckout", queryId: "q-rate-2", ok: true }]);
    // The web chat has no Stars: no Stars price beside the CNY one there.
    const web = new ChatClient(after, { channel: "web", externalId: "browser-rate", lang: "en" });
    await web.send(`/start buy_${product.id}`);
    expect(plainOf(web.last)).toContain("Price: ¥10.00");
    expect(plainOf(web.last)).not.toContain("⭐");
  });
});
