import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sleep, sql } from "../../core/shared/index.ts";
import { stripHtml } from "../channels/telegram/fake-bot-api.ts";
import { callbackUpdate, textUpdate, type TgUser } from "../channels/telegram/updates.ts";
import { serveFakeSlackApi, shown, type FakeSlackApi } from "../channels/slack/fake-slack-api.ts";
import { blockActionBody, signedInit, slashCommandBody } from "../channels/slack/signed-requests.ts";
import type { Shop } from "../e2e/support/shop.ts";
import { addStaff, startTelegramChatApp, type TelegramChatApp } from "./support/chat-app.ts";

/**
 * Each staff member is answered in their own language, in Slack and in the Telegram staff group, by one
 * running service (app/chat.ts): the language they chose (`lang`, `staff add --lang`), else what their
 * platform says (Telegram's language_code; Slack says none), else STAFF_LOCALE (here its default, zh-CN).
 * Replies, button labels and the answers to buttons (an alert's next action too) follow the presser.
 */
const TG_SECRET = "tg_locale_secret_0123456789";
const SLACK_SECRET = "fedcba9876543210fedcba9876543210";
const STAFF_GROUP = -100700800;
const STAFF_CHANNEL = "C0LOCALE1";
const OLGA = "U0OLGA001"; // owner, chose nothing
const BO = "U0BO00002"; // finance, added with --lang en
const olgaTg: TgUser = { id: 7_200_001, first_name: "Olga", language_code: "en" };
const wei: TgUser = { id: 7_200_002, first_name: "Wei", language_code: "en" };
let slackApi: FakeSlackApi;
let h: TelegramChatApp | undefined;
let shop: Shop;

beforeAll(async () => {
  slackApi = await serveFakeSlackApi();
  h = await startTelegramChatApp("stafflocale", {
    workers: false, // a paid top-up stays PAID: refundable
    webhookSecret: TG_SECRET,
    env: {
      TELEGRAM_STAFF_CHAT_IDS: `${STAFF_GROUP}`,
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_BOT_TOKEN: "xoxb-000000000-000000000000-LOCALEtokenLOCALE",
      SLACK_STAFF_CHANNEL_ID: STAFF_CHANNEL,
      SLACK_API_URL: slackApi.url,
      STAFF_APPROVAL_REFUND_OVER: "CNY:50",
    },
    setup: (s: Shop) =>
      addStaff(s, [
        { name: "Olga", role: "owner", slackUserId: OLGA, telegramUserId: String(olgaTg.id) },
        { name: "Bo", role: "finance", slackUserId: BO, locale: "en" },
        { name: "Wei", role: "operator", telegramUserId: String(wei.id) },
      ]),
  });
  ({ shop } = h);
}, 60_000);

afterAll(async () => {
  await h?.close();
  await slackApi?.close();
});

beforeEach(() => {
  slackApi.calls.splice(0);
  h!.api.calls.splice(0);
});

async function slack(path: "commands" | "interactivity", body: string) {
  const res = await h!.app.request(`/slack/${path}`, signedInit(SLACK_SECRET, body));
  expect(res.status).toBe(200);
  if (path === "commands") await slackApi.recordAck(res, STAFF_CHANNEL);
  await h!.chat.slack!.idle();
}
/** A `/km` command in the staff channel; its replies (the answer in its ack, the posted messages: their text). */
async function km(userId: string, text: string): Promise<string[]> {
  const mark = slackApi.calls.length;
  await slack("commands", slashCommandBody({ userId, channelId: STAFF_CHANNEL, text }));
  return slackApi.calls.slice(mark).map(shown);
}
async function press(userId: string, value: string): Promise<string[]> {
  const mark = slackApi.calls.length;
  await slack("interactivity", blockActionBody({ userId, channelId: STAFF_CHANNEL, value, messageTs: "1764.000001" }));
  return slackApi.calls.slice(mark).map(shown);
}

/** A line in the Telegram staff group; waits for the bot's answer to it. */
async function tg(update: unknown): Promise<string> {
  const mark = h!.api.calls.length;
  expect((await h!.post(update)).status).toBe(200);
  const until = Date.now() + 10_000;
  for (;;) {
    const answer = h!.api.calls
      .slice(mark)
      .find((c) => c.payload.chat_id === String(STAFF_GROUP) && c.method === "sendMessage");
    if (answer) return stripHtml(String(answer.payload.text));
    if (Date.now() > until) throw new Error("no answer in the staff group");
    await sleep(20);
  }
}

describe("the staff console answers each member in their language", () => {
  it("Slack: the console's default until a member chooses (lang), a chosen language, bad choices refused", async () => {
    expect((await km(OLGA, "help"))[0]).toMatch(/^员工命令：/); // Slack tells no language: STAFF_LOCALE
    expect((await km(BO, "help"))[0]).toMatch(/^Staff commands:/); // added with --lang en
    expect(await km(OLGA, "lang fr")).toEqual(["用法：lang zh|en|auto"]);
    expect(await km(OLGA, "lang en extra")).toEqual(["用法：lang zh|en|auto"]);
    expect(await km(OLGA, "lang en")).toEqual(["From now on the console answers you in English."]);
    expect((await km(OLGA, "stock"))[0]).toMatch(/^\*Stock \(card codes\)\*/);
    expect(await km(OLGA, "lang 中文")).toEqual(["好的，控制台今后用中文回复你。"]);
    expect((await km(OLGA, "stock"))[0]).toMatch(/^\*库存（卡密）\*/);
    expect(await km(BO, "pending")).toEqual(["No approval requests are waiting."]);

    // Each change is in the audit trail with before and after; the refused ones as usage refusals.
    const rows = await shop.c.db.sql.query<{ action: string; details: { after?: { locale: string | null } } }>(
      sql`SELECT action, details FROM audit_log WHERE action IN ('staff.locale', 'bot.lang') ORDER BY seq`,
    );
    expect(rows.map((r) => [r.action, r.details.after?.locale ?? "refused"])).toEqual([
      ["bot.lang", "refused"],
      ["bot.lang", "refused"],
      ["staff.locale", "en"],
      ["staff.locale", "zh-CN"],
    ]);
  });

  it("Slack buttons: labels in the asker's language, the answer in the presser's (an alert's button too)", async () => {
    const sup = await shop.supplier("localesim");
    const product = await shop.directProduct([{ supplierId: sup.supplier.id, cost: 2500n }], 3000n);
    const { order } = await shop.paidTopUp(product.id, 2, "locale-refund-1");
    const asked = slackApi.calls.length;
    await slack(
      "commands",
      slashCommandBody({ userId: BO, channelId: STAFF_CHANNEL, text: `refund ${order.id} twice` }),
    );
    const request = slackApi.calls.slice(asked).find((c) => c.blocks.some((b) => b.type === "actions"))!;
    const buttons = request.blocks.find((b) => b.type === "actions")!.elements!;
    expect(buttons.map((b) => b.text.text)).toEqual(["Approve", "Reject"]);
    // Olga (Chinese since the test above) approves: the edited request says so in Chinese.
    expect((await press(OLGA, buttons[0]!.value!))[0]).toMatch(/^已批准并执行：/);
    expect((await shop.order(order.id)).status).toBe("REFUNDED");

    // An alert's next-action button (`sc:pending`) answers whoever presses it, in their language.
    expect(await press(BO, "sc:pending")).toEqual(["No approval requests are waiting."]);
    expect(await press(OLGA, "sc:pending")).toEqual(["没有待审批的请求。"]);
  });

  it("Telegram staff group: language_code unless the member chose; the choice is theirs on both platforms", async () => {
    expect(await tg(textUpdate(wei, "/help", { groupId: STAFF_GROUP }))).toMatch(/^Staff commands:/);
    expect(await tg(textUpdate(wei, "/lang zh", { groupId: STAFF_GROUP }))).toBe("好的，控制台今后用中文回复你。");
    expect(await tg(textUpdate(wei, "/stock", { groupId: STAFF_GROUP }))).toMatch(/^库存（卡密）/);
    expect(await tg(callbackUpdate(wei, "sc:stock", { groupId: STAFF_GROUP }))).toMatch(/^库存（卡密）/);
    // Olga's Telegram says English, but she chose Chinese in Slack: the choice wins everywhere.
    expect(await tg(textUpdate(olgaTg, "/stock", { groupId: STAFF_GROUP }))).toMatch(/^库存（卡密）/);
    // `auto` gives the platform's language back.
    expect(await tg(textUpdate(wei, "/lang auto", { groupId: STAFF_GROUP }))).toMatch(/^From now on the console/);
    expect(await tg(textUpdate(wei, "/stock", { groupId: STAFF_GROUP }))).toMatch(/^Stock \(card codes\)/);
    // A stranger is refused in their platform's language (no member, no choice).
    const stranger: TgUser = { id: 7_200_999, first_name: "X", language_code: "zh-hans" };
    expect(await tg(textUpdate(stranger, "/stock", { groupId: STAFF_GROUP }))).toBe(
      "此控制台仅供店铺员工使用。本次操作已记录。",
    );
  });
});
