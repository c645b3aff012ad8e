import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startService, waitForOutput, type ServiceProcess } from "../support/service-process.ts";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
// CI installs Chromium (.ci/run); only a developer machine without it skips, and says so.
if (!haveChromium) console.warn(`web chat e2e skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

/**
 * The README's first command, for real: the service as its own process on the embedded default (PGlite in
 * a fresh data folder, in-process jobs, demo catalog, web chat on), and a newcomer buying in Chromium.
 */
describe.skipIf(!haveChromium)("web chat in a real browser against `npm start`", () => {
  let service: ServiceProcess;
  let dataDir: string;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "kameng-webe2e-"));
    const port = await freePort();
    service = startService({ PORT: String(port), DATA_DIR: dataDir });
    await waitForOutput(service, /web chat: http:\/\/\S+/, 90_000);
    url = `http://127.0.0.1:${port}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (service) {
      service.child.kill("SIGTERM");
      expect(await service.exited).toBe(0);
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("opens the page, browses, buys a demo code with the demo wallet and sees the code", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(url);
    await page.getByText("Welcome,").waitFor();
    expect(await page.locator(".msg").count()).toBe(1); // a first visit: nothing kept yet
    await page.getByRole("button", { name: "🛒 Shop" }).last().click();
    await page.getByRole("button", { name: "Game cards" }).click();
    await page.getByRole("button", { name: /Tencent Q-coins ¥10 · ¥9.80 · 20 in stock/ }).click();
    await page.getByText("How many?").waitFor();
    await page.getByRole("button", { name: "1", exact: true }).click();
    await page.getByText("Wallet balance: ¥100.00").waitFor();
    await page.getByRole("button", { name: "✅ Pay ¥9.80 from wallet" }).click();
    await page.getByText(/Paid ¥9.80 from your wallet/).waitFor();
    // The code arrives by itself (fulfil job → outbox event → bot → mailbox → long poll).
    const code = page.locator(".codes .code").first();
    await code.waitFor({ timeout: 20_000 });
    const delivered = await code.textContent();
    expect(delivered).toMatch(/^DEMO-GAME-QB-10-[0-9A-F]{12}$/);
    expect(await page.locator(".codes").getByRole("button", { name: "Copy" }).count()).toBe(2); // code + password

    // Typed text works too: the balance after the purchase.
    await page.locator("#text").fill("/balance");
    await page.locator("#text").press("Enter");
    await page.getByText("Your wallet balance: ¥90.20").waitFor();

    // The identity survives a reload (token in localStorage) and so does the conversation, kept on the
    // server: the code is on the page again, and the buyer is greeted as returning.
    await page.reload();
    await page.getByText("Welcome back,").waitFor();
    expect(await page.locator(".codes .code").first().textContent()).toBe(delivered);
    await page.getByText("Your wallet balance: ¥90.20").waitFor();
    await page.locator("#text").fill("/orders");
    await page.locator("#text").press("Enter");
    await page.getByRole("button", { name: /Tencent Q-coins ¥10 × 1 · ¥9.80 · delivered/ }).waitFor();
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
