import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatEdges } from "../../app/chat.ts";
import { asBuyer, sleep } from "../../core/shared/index.ts";
import type { FakeBotApi } from "../channels/telegram/fake-bot-api.ts";
import { stripHtml } from "../channels/telegram/fake-bot-api.ts";
import { callbackUpdate, textUpdate, type TgUser } from "../channels/telegram/updates.ts";
import { ctx, type Shop } from "../e2e/support/shop.ts";
import { startTelegramChatApp, type TelegramChatApp } from "./support/chat-app.ts";

/**
 * The composition of app/chat.ts as `npm start` runs it: the Telegram channel configured from the
 * environment (webhook mode, Bot API root pointing at a fake Bot API served over real HTTP), the webhook
 * mounted on the service's HTTP app, and committed domain events turned into the buyer's code message.
 */
const SECRET = "tg_wiring_secret_0123456789";
const STAFF_GROUP = -100900900;
let h: TelegramChatApp | undefined;
let api: FakeBotApi;
let shop: Shop;
let chat: ChatEdges;

beforeAll(async () => {
  h = await startTelegramChatApp("chatwiring", {
    workers: true,
    webhookSecret: SECRET,
    env: { TELEGRAM_STAFF_CHAT_IDS: `${STAFF_GROUP}, -100900901` },
  });
  ({ api, shop, chat } = h);
}, 60_000);

afterAll(() => h?.close());

const post = (body: unknown, secret = SECRET) => h!.post(body, secret);

const toUser = (u: TgUser) => api.calls.filter((c) => c.payload.chat_id === String(u.id));

async function waitForText(u: TgUser, pattern: RegExp, ms = 10_000): Promise<string> {
  const until = Date.now() + ms;
  for (;;) {
    const text = toUser(u)
      .map((c) => String(c.payload.text ?? ""))
      .join("\n");
    if (pattern.test(text)) return text;
    if (Date.now() > until) throw new Error(`no ${pattern} in:\n${stripHtml(text)}`);
    await sleep(50);
  }
}

describe("app/chat.ts: Telegram wired into the service", () => {
  it("registers the webhook with the secret at PUBLIC_URL and refuses a wrong secret", async () => {
    const set = api.calls.find((c) => c.method === "setWebhook");
    expect(set?.payload).toMatchObject({ url: "https://shop.example/telegram/webhook", secret_token: SECRET });
    const before = api.calls.length;
    const res = await post(textUpdate({ id: 9_300_001, first_name: "Mallory" }, "/start"), "wrong-secret-0123456789");
    expect(res.status).toBe(403);
    await sleep(200);
    expect(api.calls.length).toBe(before);
  });

  it("a buyer pays from the wallet and the code arrives from the committed event, monospace", async () => {
    const product = await shop.codeProduct({ stock: 2, price: 1000n });
    const category = (await shop.c.catalog.listCategories(ctx)).find((c) => c.id === product.categoryId)!;
    const user: TgUser = { id: 9_300_002, first_name: "Buyer", language_code: "en" };
    expect((await post(textUpdate(user, "/start"))).status).toBe(200);
    await waitForText(user, /Welcome/);
    const identity = await shop.prisma.channelIdentity.findFirst({
      where: { channel: "telegram", externalId: String(user.id) },
    });
    await shop.fund(identity!.userId, 5000n);

    for (const label of [/Shop/, new RegExp(category.nameEn), /Test card/, /^1$/, /from wallet/]) {
      const before = toUser(user).length;
      const { data, messageId } = api.button(String(user.id), label);
      expect((await post(callbackUpdate(user, data, { messageId }))).status).toBe(200);
      const until = Date.now() + 5_000;
      while (toUser(user).length === before && Date.now() < until) await sleep(20);
    }
    const [order] = await shop.c.orders.listForUser(ctx, { userId: identity!.userId });
    const [code] = await shop.c.orders.codesFor(asBuyer(ctx, identity!.userId), { orderId: order!.id });
    // Events reach the notifier once below the cluster-wide horizon: another test file's long transaction
    // on the shared server can hold it back for seconds (docs/events.md "Latency").
    await waitForText(user, new RegExp(`<code>${code!.code}</code>`), 30_000);
    expect(await shop.walletBalance(identity!.userId)).toBe(4000n);
  });

  it("routes through the bot router: the configured staff group gets the staff console, never the shop; other groups the shop", async () => {
    const member: TgUser = { id: 9_300_003, first_name: "Op", language_code: "en" };
    const otherGroup = -100900999;
    const toGroup = (id: number) => api.calls.filter((c) => c.payload.chat_id === String(id));
    expect((await post(textUpdate(member, "/start", { groupId: STAFF_GROUP }))).status).toBe(200);
    expect((await post(textUpdate(member, "/start", { groupId: otherGroup }))).status).toBe(200);
    const until = Date.now() + 10_000;
    while (toGroup(otherGroup).length === 0 && Date.now() < until) await sleep(20);
    expect(stripHtml(String(toGroup(otherGroup)[0]?.payload.text))).toContain("Welcome");
    await chat.telegram!.channel.drain();
    // The staff group has the operators' console: someone who is not staff is refused there, never welcomed.
    expect(toGroup(STAFF_GROUP).map((c) => stripHtml(String(c.payload.text)))).toEqual([
      "This console is for the shop's staff only. Your attempt was recorded.",
    ]);
  });
});
