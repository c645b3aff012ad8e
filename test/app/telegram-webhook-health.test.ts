import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "../../core/shared/index.ts";
import { stripHtml } from "../channels/telegram/fake-bot-api.ts";
import type { Shop } from "../e2e/support/shop.ts";
import { startTelegramChatApp, type TelegramChatApp } from "./support/chat-app.ts";

/**
 * Telegram's own view of our webhook as `serve` wires it in webhook mode with a staff group (app/chat.ts):
 * each check asks the Bot API (faked over HTTP) `getWebhookInfo`; a delivery error newer than the last one
 * seen, or a backlog that grew at three checks in a row, is one `telegram_webhook` alert in the staff group
 * (deduped, throttled); a check that finds neither resolves it.
 */
const STAFF_GROUP = -100400400;
let h: TelegramChatApp | undefined;
let shop: Shop;

beforeAll(async () => {
  h = await startTelegramChatApp("tgwebhookhealth", {
    workers: false,
    webhookSecret: "tg_health_secret_0123456789",
    env: { TELEGRAM_STAFF_CHAT_IDS: `${STAFF_GROUP}`, STAFF_LOCALE: "en" },
  });
  shop = h.shop;
  await shop.c.events.start(); // the staff alerter the chat wiring hosts
}, 60_000);

afterAll(() => h?.close());

const nowS = () => Math.floor(Date.now() / 1000);
const check = () => h!.chat.telegramWebhookHealth!.check();
const alertTexts = () =>
  h!.api.calls
    .filter((c) => c.method === "sendMessage" && c.payload.chat_id === String(STAFF_GROUP))
    .map((c) => stripHtml(String(c.payload.text)))
    .filter((t) => /Telegram cannot deliver/.test(t));
const openAlerts = () => shop.prisma.staffAlert.findMany({ where: { kind: "telegram_webhook", status: "OPEN" } });

async function messages(n: number): Promise<string[]> {
  const until = Date.now() + 10_000;
  while (alertTexts().length < n && Date.now() < until) await sleep(50);
  await sleep(300); // and no more than that
  return alertTexts();
}

describe("Telegram webhook health (getWebhookInfo) → staff alert", () => {
  it("is on in webhook mode with a staff group; an old error and a flat backlog raise nothing", async () => {
    expect(h!.chat.telegramWebhookHealth).toBeDefined();
    h!.api.webhookInfo = {
      url: "https://shop.example/telegram/webhook",
      pending_update_count: 3,
      last_error_date: nowS() - 3_600,
      last_error_message: "Connection timed out",
    };
    await check();
    await check();
    expect(await openAlerts()).toEqual([]);
    expect(h!.api.calls.some((c) => c.method === "getWebhookInfo")).toBe(true);
  });

  it("a new delivery error opens one alert; the same error seen again (nothing new) resolves it", async () => {
    const at = nowS() - 5;
    h!.api.webhookInfo.last_error_date = at;
    h!.api.webhookInfo.last_error_message = "Wrong response from the webhook: 502 Bad Gateway";
    await check();
    const [opened] = await messages(1);
    expect(opened).toContain("ALERT Telegram cannot deliver to our webhook: Wrong response from the webhook: 502");
    expect(opened).toContain(new Date(at * 1000).toISOString());
    expect((await openAlerts()).map((a) => a.severity)).toEqual(["warning"]);

    // Failing on: each failed delivery moves last_error_date — still one open alert, no second message.
    h!.api.webhookInfo.last_error_date = at + 2;
    await check();
    expect(await openAlerts()).toHaveLength(1);
    expect(await messages(1)).toHaveLength(1);

    await check(); // healthy: no newer error
    expect(await openAlerts()).toEqual([]);
    const resolved = h!.api.calls
      .filter((c) => c.method === "sendMessage" && c.payload.chat_id === String(STAFF_GROUP))
      .map((c) => stripHtml(String(c.payload.text)))
      .filter((t) => /RESOLVED/.test(t) && /Telegram/.test(t));
    const until = Date.now() + 10_000;
    while (resolved.length === 0 && Date.now() < until) {
      await sleep(50);
      resolved.push(
        ...h!.api.calls
          .filter((c) => c.method === "sendMessage" && c.payload.chat_id === String(STAFF_GROUP))
          .map((c) => stripHtml(String(c.payload.text)))
          .filter((t) => /RESOLVED/.test(t) && /Telegram/.test(t)),
      );
    }
    expect(resolved).toHaveLength(1);
  });

  it("a backlog that grows at three checks in a row is critical; once it stops growing it resolves", async () => {
    const before = alertTexts().length;
    for (const pending of [10, 20]) {
      h!.api.webhookInfo.pending_update_count = pending;
      await check();
    }
    expect(await openAlerts()).toEqual([]); // 3 → 10 → 20: two rises
    h!.api.webhookInfo.pending_update_count = 45;
    await check(); // the third
    expect((await openAlerts()).map((a) => a.severity)).toEqual(["critical"]);
    const texts = await messages(before + 1);
    expect(texts.at(-1)).toMatch(/45 updates waiting, and growing/);

    await check(); // 45 again: not growing, no new error
    expect(await openAlerts()).toEqual([]);
  });

  it("a Bot API failure is a failed check (logged), not an alert", async () => {
    h!.api.failNext("getWebhookInfo", { ok: false, error_code: 401, description: "Unauthorized" }, 10);
    await expect(check()).rejects.toThrow();
    expect(await openAlerts()).toEqual([]);
  });
});
