import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "../../../core/shared/index.ts";
import type { Shop } from "../../e2e/support/shop.ts";
import type { FakeBotApi } from "../telegram/fake-bot-api.ts";
import { stripHtml } from "../telegram/fake-bot-api.ts";
import { callbackUpdate, textUpdate, type TgUser } from "../telegram/updates.ts";
import { MockWechat, numberOf } from "./mock-wechat.ts";
import type { mock } from "wechaty-puppet-mock";
import { startTelegramChatApp, type TelegramChatApp } from "../../app/support/chat-app.ts";

/**
 * One buyer on every channel: Telegram (webhook, fake Bot API over HTTP) and WeChat (mock puppet) in one
 * service. The Telegram account issues a link code, the WeChat chat takes it: from then on both are one user
 * — one wallet, one order history — deliveries go to the channel an order was placed in, and a code bought
 * on Telegram can be sent again to the WeChat private chat.
 */
const SECRET = "tg_wx_secret_0123456789";
let h: TelegramChatApp | undefined;
let api: FakeBotApi;
let shop: Shop;
let wx: MockWechat;

beforeAll(async () => {
  wx = new MockWechat();
  h = await startTelegramChatApp("wxlink", {
    workers: true,
    webhookSecret: SECRET,
    env: {
      WECHATY_PUPPET: "wechaty-puppet-mock",
      WECHAT_SEND_CONTACT_INTERVAL_MS: "0",
      WECHAT_SEND_JITTER_MS: "0",
      WECHAT_SEND_PER_MINUTE: "100000",
    },
    chat: { wechaty: wx.wechaty },
  });
  ({ api, shop } = h);
  await wx.login();
}, 60_000);

afterAll(() => h?.close());

const post = (body: unknown) => h!.post(body);
const tgTexts = (u: TgUser) =>
  api.calls.filter((c) => c.payload.chat_id === String(u.id)).map((c) => stripHtml(String(c.payload.text ?? "")));

async function tgWait(u: TgUser, pattern: RegExp, from: number): Promise<string> {
  const until = Date.now() + 20_000;
  for (;;) {
    const hit = tgTexts(u)
      .slice(from)
      .find((t) => pattern.test(t));
    if (hit) return hit;
    if (Date.now() > until) throw new Error(`no ${pattern} on Telegram in:\n${tgTexts(u).slice(from).join("\n---\n")}`);
    await sleep(25);
  }
}

async function tgPress(u: TgUser, label: RegExp, expect: RegExp): Promise<string> {
  const from = tgTexts(u).length;
  const { data, messageId } = api.button(String(u.id), label);
  await post(callbackUpdate(u, data, { messageId }));
  return tgWait(u, expect, from);
}

async function wxSay(who: mock.ContactMock, text: string, pattern: RegExp): Promise<string> {
  const from = wx.textsTo(who.id).length;
  who.say(text).to(wx.self);
  return wx.waitFor(who.id, pattern, from);
}

describe("one buyer on Telegram and WeChat", () => {
  it("links with a one-time code; one wallet and history; deliveries on the channel bought in; a re-send to WeChat", async () => {
    const product = await shop.codeProduct({ price: 1000n, stock: 4 });
    const tg: TgUser = { id: 9_400_001, first_name: "Mia", language_code: "en" };
    await post(textUpdate(tg, "/start"));
    await tgWait(tg, /Welcome/, 0);
    const userId = (
      await shop.prisma.channelIdentity.findFirstOrThrow({ where: { channel: "telegram", externalId: String(tg.id) } })
    ).userId;
    await shop.fund(userId, 10_000n);

    // The code comes from Telegram; WeChat takes it.
    let from = tgTexts(tg).length;
    await post(textUpdate(tg, "/link"));
    await tgWait(tg, /link/i, from);
    const codeText = await tgPress(tg, /link code/i, /[A-Z0-9]{4}-[A-Z0-9]{4}/);
    const linkCode = /([A-Z0-9]{4}-[A-Z0-9]{4})/.exec(codeText)![1]!;
    const mia = wx.contact("Mia");
    await wxSay(mia, "菜单", /回复数字/);
    const linked = await wxSay(mia, `/link ${linkCode}`, /Linked/);
    expect(linked).toMatch(/Reply with a number/); // now in the Telegram account's language
    const wxIdentity = await shop.prisma.channelIdentity.findFirstOrThrow({
      where: { channel: "wechat", externalId: mia.id },
    });
    expect(wxIdentity.userId).toBe(userId);
    expect(await wxSay(mia, "balance", /Balance|balance/)).toContain("¥100.00");

    // Bought in WeChat: the code arrives in WeChat, not on Telegram.
    const tgBefore = tgTexts(tg).length;
    await wxSay(mia, "menu", /Reply with a number/);
    const found = await wxSay(mia, "Test card", /Reply with a number:/);
    const confirm = await wxSay(mia, "1", /Confirm/i);
    await wxSay(mia, numberOf(confirm, /wallet/i), /#[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/);
    const wxCode = /^(CODE-\S+)$/m.exec(await wx.waitFor(mia.id, /CODE-/))![1]!;
    const wxOrder = await shop.prisma.order.findFirstOrThrow({ where: { productId: product.id, channel: "wechat" } });
    expect(found).toBeTruthy();

    // Bought on Telegram: delivered on Telegram; the same history in both.
    from = tgTexts(tg).length;
    await post(textUpdate(tg, `/start buy_${product.id}`));
    await tgWait(tg, /Test card/, from);
    await tgPress(tg, /^1$/, /Confirm/i);
    await tgPress(tg, /from wallet/i, /#[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/);
    const tgOrder = await shop.prisma.order.findFirstOrThrow({ where: { productId: product.id, channel: "telegram" } });
    await tgWait(tg, /CODE-/, from);
    expect(tgTexts(tg).slice(tgBefore).join("\n")).not.toContain(wxCode);
    from = tgTexts(tg).length;
    await post(textUpdate(tg, "/orders"));
    await tgWait(tg, /^Your recent orders/, from);
    const tgList = JSON.stringify(api.calls.filter((c) => c.payload.chat_id === String(tg.id)).at(-1)?.payload);
    expect(tgList).toContain(wxOrder.number);
    expect(tgList).toContain(tgOrder.number);

    // The Telegram order's code, sent again to the WeChat private chat on request.
    const orders = await wxSay(mia, "orders", /Reply with a number/);
    const short = tgOrder.number;
    expect(orders).toContain(wxOrder.number);
    const detail = await wxSay(mia, numberOf(orders, new RegExp(short)), /Send the code again/);
    const n = wx.textsTo(mia.id).length;
    mia.say(numberOf(detail, /Send the code again/)).to(wx.self);
    const again = await wx.waitFor(mia.id, /CODE-/, n);
    expect(again).toContain(short);
    expect(await shop.walletBalance(userId)).toBe(8000n);
  }, 90_000);
});
