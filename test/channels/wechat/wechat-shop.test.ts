import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChat, type ChatEdges } from "../../../app/chat.ts";
import { sleep } from "../../../core/shared/index.ts";
import { createShop, type Shop } from "../../e2e/support/shop.ts";
import { MockWechat, numberOf } from "./mock-wechat.ts";
import type { mock } from "wechaty-puppet-mock";

/**
 * The shop over WeChat as the service wires it (app/chat.ts): a real wechaty on the mock puppet in process,
 * the numbered-menu layer (bots/text), the shop bot on the real core (PostgreSQL), the durable outbox and
 * the notifier's deliveries. Limits are tiny here; the limiter's spacing has its own test.
 */
const FAST = {
  WECHATY_PUPPET: "wechaty-puppet-mock",
  WECHAT_SEND_CONTACT_INTERVAL_MS: "0",
  WECHAT_SEND_ROOM_INTERVAL_MS: "0",
  WECHAT_SEND_ROOM_PER_MINUTE: "10000",
  WECHAT_SEND_PER_MINUTE: "100000",
  WECHAT_SEND_JITTER_MS: "0",
};

let shop: Shop;
let wx: MockWechat;
let chat: ChatEdges;

beforeAll(async () => {
  shop = await createShop("wxshop", { workers: true, env: FAST });
  wx = new MockWechat();
  chat = await startChat(shop.c, { demo: false, wechaty: wx.wechaty });
  await wx.login();
}, 60_000);

afterAll(async () => {
  await chat?.stop();
  await shop?.dispose();
});

/** Says `text` to the bot privately and returns the bot's next message matching `pattern`. */
async function say(who: mock.ContactMock, text: string, pattern: RegExp = /./): Promise<string> {
  const from = wx.textsTo(who.id).length;
  who.say(text).to(wx.self);
  return wx.waitFor(who.id, pattern, from);
}

const userOf = async (contactId: string) =>
  (await shop.prisma.channelIdentity.findFirstOrThrow({ where: { channel: "wechat", externalId: contactId } })).userId;

describe("WeChat: the shop bot by numbered menus", () => {
  it("buys a stock code: menu → category → product → quantity → pay; the codes arrive privately, one per line", async () => {
    const product = await shop.codeProduct({ price: 1000n, stock: 5 });
    const alice = wx.contact("Alice");
    const menu = await say(alice, "菜单", /回复数字/);
    expect(menu).toMatch(/^1\. 🛒 商城$/m);
    await shop.fund(await userOf(alice.id), 10_000n);
    const cats = await say(alice, numberOf(menu, /商城/), /请选择分类/);
    const products = await say(alice, numberOf(cats, new RegExp(`类目`)), /请选择商品/);
    const card = await say(alice, numberOf(products, /测试卡/), /直接回复数字/);
    expect(card).toContain("直接回复数字：1 / 2 / 3 / 5");
    // Values mode: "2" is the quantity 2, not the second item.
    const confirm = await say(alice, "2", /确认/);
    expect(confirm).toMatch(/× 2/);
    const placed = await say(alice, numberOf(confirm, /钱包|支付/), /订单/);
    expect(placed).toMatch(/#[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/);
    const codes = await wx.waitFor(alice.id, /CODE-/);
    const lines = codes.split("\n");
    expect(lines.filter((l) => /^CODE-\w+-\d+$/.test(l))).toHaveLength(2);
    const order = await shop.prisma.order.findFirstOrThrow({ where: { productId: product.id } });
    expect(order).toMatchObject({ status: "DELIVERED", quantity: 2, channel: "wechat" });
  });

  it("tops up a phone number directly: the number is typed at the prompt, progress and delivery follow", async () => {
    const { supplier } = await shop.supplier("wx-sim");
    const product = await shop.directProduct([{ supplierId: supplier.id, cost: 2800n }], 3000n);
    const bob = wx.contact("Bob");
    await say(bob, "菜单", /回复数字/);
    await shop.fund(await userOf(bob.id), 10_000n);
    const card = await say(bob, "话费直充", /直接回复数字/);
    const prompt = await say(bob, "1", /手机号/);
    expect(prompt).toMatch(/也可以回复：✖ 取消/);
    expect(card).toBeTruthy();
    const confirm = await say(bob, "13800138000", /确认/);
    expect(confirm).toContain("13800138000");
    await say(bob, numberOf(confirm, /钱包|支付/), /订单/);
    await wx.waitFor(bob.id, /正在为 13800138000 充值/);
    await wx.waitFor(bob.id, /已完成：已为 13800138000 充值/);
    const order = await shop.prisma.order.findFirstOrThrow({ where: { productId: product.id } });
    expect(order).toMatchObject({ status: "DELIVERED", target: "13800138000", channel: "wechat" });
  });

  it("answers a number from no menu with 'menu expired' and the current menu; an out-of-range number re-shows the menu", async () => {
    const carol = wx.contact("Carol");
    const expired = await say(carol, "3", /回复数字/);
    expect(expired).toMatch(/该菜单已过期/);
    expect(expired).toMatch(/^1\. 🛒 商城$/m);
    const again = await say(carol, "42", /没有选项 42/);
    expect(again).toMatch(/请回复 1 到 7 之间的数字/);
    expect(again).toMatch(/^7\. 🔗/m);
  });

  it("takes full-width digits and item names", async () => {
    const dan = wx.contact("Dan");
    await say(dan, "菜单", /回复数字/);
    expect(await say(dan, "１", /请选择分类/)).toBeTruthy();
    expect(await say(dan, "菜单", /您想做什么/)).toBeTruthy();
    expect(await say(dan, "余额", /余额/)).toBeTruthy();
  });

  it("answers bad input clearly and changes nothing", async () => {
    const erin = wx.contact("Erin");
    const menu = await say(erin, "菜单", /回复数字/);
    const state = async () =>
      shop.prisma.conversationState.findMany({ where: { userId: await userOf(erin.id) }, orderBy: { chatId: "asc" } });
    const before = await state();
    expect(await say(erin, "   ", /只能读取文字/)).toMatch(/^1\. /m);
    expect(await say(erin, "😀😀😀", /只能读取文字/)).toContain(numberOf(menu, /商城/) + ". 🛒 商城");
    expect(await say(erin, "买".repeat(10_000), /消息太长/)).toMatch(/最多 1000 个字/);
    expect(await say(erin, "0", /没有选项 0/)).toBeTruthy();
    expect(await say(erin, "５５", /没有选项 55/)).toBeTruthy();
    expect(await state()).toEqual(before);
  });

  it("hints at text for images and ignores the bot's own messages and messages from before it started", async () => {
    const fay = wx.contact("Fay");
    const from = wx.textsTo(fay.id).length;
    wx.emit({ talkerId: fay.id, listenerId: wx.self.id, type: 6 /* Image */ });
    await wx.waitFor(fay.id, /只能读取文字消息/, from);
    wx.emit({ talkerId: wx.self.id, listenerId: fay.id, text: "菜单" });
    wx.emit({ talkerId: fay.id, listenerId: wx.self.id, text: "菜单", timestamp: Date.now() - 3_600_000 });
    await sleep(500);
    expect(wx.textsTo(fay.id).slice(from)).toHaveLength(1);
  });

  it("acts once on a message delivered twice", async () => {
    const gus = wx.contact("Gus");
    const from = wx.textsTo(gus.id).length;
    const id = `dup-${Date.now()}`;
    wx.emit({ id, talkerId: gus.id, listenerId: wx.self.id, text: "菜单" });
    wx.emitAgain(id);
    await wx.waitFor(gus.id, /回复数字/, from);
    await sleep(500);
    expect(wx.textsTo(gus.id).slice(from)).toHaveLength(1);
  });
});

describe("WeChat rooms", () => {
  it("speaks only when @-mentioned or to a keyword; a number after the mention presses the member's own menu", async () => {
    const hal = wx.contact("Hal");
    const ivy = wx.contact("Ivy");
    const room = wx.room("卡盟交流群", [hal, ivy]);
    const from = wx.textsTo(room.id).length;
    ivy.say("今天天气不错").to(room);
    hal.say("@卡盟小助手", [wx.self]).to(room);
    const menu = await wx.waitFor(room.id, /回复数字/, from);
    expect(menu).not.toMatch(/我的订单/); // the group menu: nothing private
    const n = wx.textsTo(room.id).length;
    hal.say(`@卡盟小助手 ${numberOf(menu, /商城/)}`, [wx.self]).to(room);
    await wx.waitFor(room.id, /请选择分类/, n);
    const k = wx.textsTo(room.id).length;
    ivy.say("商城").to(room);
    await wx.waitFor(room.id, /请选择分类/, k);
    await sleep(300);
    // Ivy's chatter got no answer: three turns, three answers.
    expect(wx.textsTo(room.id).slice(from)).toHaveLength(3);
  });

  it("never posts a code in a room: orders and re-sends move to the private chat", async () => {
    const jo = wx.contact("Jo");
    const room = wx.room("买卡群", [jo]);
    const from = wx.textsTo(room.id).length;
    jo.say("@卡盟小助手 订单", [wx.self]).to(room);
    const reply = await wx.waitFor(room.id, /私聊/, from);
    expect(reply).not.toMatch(/CODE-/);
  });
});

describe("WeChat: a restart mid-conversation", () => {
  it("keeps the numbered menu (it lives in the conversation state, not in the process)", async () => {
    const kim = wx.contact("Kim");
    const menu = await say(kim, "菜单", /回复数字/);
    await chat.stop();
    // A new process: a new wechaty, new bots, new numbered-menu layer; the same database.
    const wx2 = new MockWechat();
    const chat2 = await startChat(shop.c, { demo: false, wechaty: wx2.wechaty });
    try {
      await wx2.login();
      const kim2 = wx2.mocker.createContact({ id: kim.id, name: "Kim" });
      const from = wx2.textsTo(kim2.id).length;
      kim2.say(numberOf(menu, /商城/)).to(wx2.self);
      await wx2.waitFor(kim2.id, /请选择分类/, from);
    } finally {
      await chat2.stop();
    }
    wx = new MockWechat();
    chat = await startChat(shop.c, { demo: false, wechaty: wx.wechaty });
    await wx.login();
  });

  it("sends what was still in the outbox when the process stopped", async () => {
    const lee = wx.contact("Lee");
    await chat.stop();
    // Written by a process that stopped before sending it (the notifier's delivery, say).
    await chat.wechat!.outbox.enqueue([{ chatId: lee.id, room: false, text: "queued before the restart" }], new Date());
    wx = new MockWechat();
    wx.mocker.createContact({ id: lee.id, name: "Lee" }); // the same WeChat contact, seen by the new process
    chat = await startChat(shop.c, { demo: false, wechaty: wx.wechaty });
    await wx.login();
    await wx.waitFor(lee.id, /queued before the restart/);
    await chat.wechat!.idle();
    expect(await shop.prisma.wechatOutbox.count({ where: { chatId: lee.id, sentAt: null } })).toBe(0);
  });
});
