import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "../../core/shared/index.ts";
import type { FakeBotApi } from "../channels/telegram/fake-bot-api.ts";
import { stripHtml } from "../channels/telegram/fake-bot-api.ts";
import { callbackUpdate, textUpdate, type TgUser } from "../channels/telegram/updates.ts";
import type { Shop } from "../e2e/support/shop.ts";
import { addStaff, startTelegramChatApp, type TelegramChatApp } from "./support/chat-app.ts";

/**
 * The staff console in a Telegram staff group as `npm start` wires it (app/chat.ts): webhook in, the fake
 * Bot API out. A refund over the threshold is asked by one finance member and approved by another with
 * the rendered button.
 */
const SECRET = "tg_staff_secret_0123456789";
const STAFF_GROUP = -100700700;
const fang: TgUser = { id: 7_100_001, first_name: "Fang", language_code: "en" };
const fei: TgUser = { id: 7_100_002, first_name: "Fei", language_code: "zh-hans" };
let h: TelegramChatApp | undefined;
let api: FakeBotApi;
let shop: Shop;

beforeAll(async () => {
  h = await startTelegramChatApp("stafftelegram", {
    workers: false, // a paid top-up stays PAID: refundable
    webhookSecret: SECRET,
    env: { TELEGRAM_STAFF_CHAT_IDS: `${STAFF_GROUP}`, STAFF_APPROVAL_REFUND_OVER: "CNY:50" },
    setup: (s: Shop) =>
      addStaff(s, [
        { name: "Fang", role: "finance", telegramUserId: String(fang.id) },
        { name: "Fei", role: "finance", telegramUserId: String(fei.id) },
      ]),
  });
  ({ api, shop } = h);
}, 60_000);

afterAll(() => h?.close());

const post = (body: unknown) => h!.post(body);
const toGroup = () => api.calls.filter((c) => c.payload.chat_id === String(STAFF_GROUP));

async function waitForGroup(pattern: RegExp, ms = 10_000) {
  const until = Date.now() + ms;
  for (;;) {
    const hit = toGroup().find((c) => pattern.test(stripHtml(String(c.payload.text ?? ""))));
    if (hit) return hit;
    if (Date.now() > until)
      throw new Error(
        `no ${pattern} in:\n${toGroup()
          .map((c) => stripHtml(String(c.payload.text)))
          .join("\n")}`,
      );
    await sleep(30);
  }
}

describe("the staff console in a Telegram staff group", () => {
  it("a refund over the threshold is asked by one member and approved by another with the button", async () => {
    const sup = await shop.supplier("stafftgsim");
    const product = await shop.directProduct([{ supplierId: sup.supplier.id, cost: 2500n }], 3000n);
    const { order } = await shop.paidTopUp(product.id, 2, "tg-staff-1");
    const orderId = order.id;

    expect((await post(textUpdate(fang, `/refund ${orderId} charged twice`, { groupId: STAFF_GROUP }))).status).toBe(
      200,
    );
    const asked = await waitForGroup(/Needs a second person's approval/);
    const keyboard = (
      asked.payload.reply_markup as { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> }
    ).inline_keyboard;
    const approve = keyboard.flat().find((b) => b.text === "Approve")!;
    expect(approve.callback_data).toMatch(/^sa:a:[0-9a-f-]{36}$/);
    expect((await shop.order(orderId)).status).toBe("PAID");

    expect((await post(callbackUpdate(fei, approve.callback_data, { groupId: STAFF_GROUP }))).status).toBe(200);
    const until = Date.now() + 10_000;
    while ((await shop.order(orderId)).status !== "REFUNDED" && Date.now() < until) await sleep(30);
    expect((await shop.order(orderId)).status).toBe("REFUNDED");
    // Fei writes in Chinese: the answer (an edit of the request's message, or a new one) is in Chinese.
    const said = async () =>
      api.calls
        .filter((c) => c.payload.chat_id === String(STAFF_GROUP) || c.method === "editMessageText")
        .map((c) => stripHtml(String(c.payload.text ?? "")))
        .join("\n");
    const until2 = Date.now() + 10_000;
    while (!/已批准并执行/.test(await said()) && Date.now() < until2) await sleep(30);
    expect(await said()).toContain(`已批准并执行：refund order ${orderId} (PAID): ¥60.00`);
  });
});
