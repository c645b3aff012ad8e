import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "../../app/seed/demo-seed.ts";
import { isTurnProcessed, markTurnProcessed } from "../../bots/dedupe.ts";
import { createOutboundDelivery, SHOP_BOT_EVENT_TYPES } from "../../bots/outbound.ts";
import { composeShopBot } from "../../bots/shop/index.ts";
import { createWebMailbox, webChatRoutes } from "../../channels/web/index.ts";
import { createBotHarness, type BotHarness } from "../bots/support/bot-harness.ts";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`web chat e2e skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

describe.skipIf(!haveChromium)("web chat in a real browser", () => {
  let h: BotHarness;
  let server: ServerType;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    // The full container (real PostgreSQL, jobs, outbox relay) with the demo catalog.
    h = await createBotHarness("webe2e", { workers: true });
    const c = h.c;
    await seedDemo(c);
    // Wired the way the composition root does it.
    const { bot } = composeShopBot({
      db: c.db.prisma,
      clock: c.clock,
      secrets: c.secrets,
      catalog: c.catalog,
      inventory: c.inventory,
      orders: c.orders,
      ledger: c.ledger,
      payments: h.payments,
      channels: { web: { deepLink: (p) => `${url}?start=${encodeURIComponent(p)}`, starsInvoices: false } },
      demoCredit: 10_000n,
    });
    const mailbox = createWebMailbox();
    // The app's wiring: committed events → the bot → each channel's sender, once per message.
    const deliver = createOutboundDelivery({
      senders: { web: (m) => mailbox.deliver(m) },
      dedupe: {
        seen: (k) => isTurnProcessed(h.prisma, "outbound", k),
        mark: async (k) => void (await markTurnProcessed(h.prisma, "outbound", k)),
      },
    });
    for (const type of SHOP_BOT_EVENT_TYPES)
      h.c.events.subscribe(type, async (event) => void (await deliver(await bot.onDomainEvent(event))));
    h.c.startRelay({ intervalMs: 100 });
    const app = new Hono();
    app.route(
      "/",
      webChatRoutes({
        handle: (turn) => bot.handle(turn),
        mailbox,
        secret: "web-e2e-secret-0123456789abcdef",
        dedupe: (id) => markTurnProcessed(h.prisma, "web", id),
        maxPollWaitMs: 1_000,
      }),
    );
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await h?.dispose();
  });

  it("opens the page, browses, buys a demo code with the demo wallet and sees the code", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(url);
    await page.getByText("Welcome,").waitFor();
    await page.getByRole("button", { name: "🛒 Shop" }).last().click();
    await page.getByRole("button", { name: "Game cards" }).click();
    await page.getByRole("button", { name: /Tencent Q-coins ¥10 · CN¥9.80 · 20 in stock/ }).click();
    await page.getByText("How many?").waitFor();
    await page.getByRole("button", { name: "1", exact: true }).click();
    await page.getByText("Wallet balance: CN¥100.00").waitFor();
    await page.getByRole("button", { name: "✅ Pay CN¥9.80 from wallet" }).click();
    await page.getByText(/Paid CN¥9.80 from your wallet/).waitFor();
    // The code arrives by itself (fulfil job → outbox event → bot → mailbox → long poll).
    const code = page.locator(".codes .code").first();
    await code.waitFor({ timeout: 20_000 });
    expect(await code.textContent()).toMatch(/^DEMO-GAME-QB-10-[0-9A-F]{12}$/);
    expect(await page.locator(".codes").getByRole("button", { name: "Copy" }).count()).toBe(2); // code + password

    // Typed text works too: the balance after the purchase.
    await page.locator("#text").fill("/balance");
    await page.locator("#text").press("Enter");
    await page.getByText("Your wallet balance: CN¥90.20").waitFor();

    // The identity survives a reload (token in localStorage): same wallet, the order is listed.
    await page.reload();
    await page.getByText("Welcome,").waitFor();
    await page.locator("#text").fill("/orders");
    await page.locator("#text").press("Enter");
    await page.getByRole("button", { name: /Tencent Q-coins ¥10 × 1 · CN¥9.80 · delivered/ }).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });

  it("gives another browser its own identity and wallet", async () => {
    const context = await browser.newContext({ locale: "zh-CN" });
    const page = await context.newPage();
    await page.goto(url);
    await page.getByText("欢迎").waitFor();
    await page.locator("#text").fill("/balance");
    await page.locator("#text").press("Enter");
    await page.getByText("您的钱包余额：¥100.00").waitFor();
    await context.close();
  });
});
