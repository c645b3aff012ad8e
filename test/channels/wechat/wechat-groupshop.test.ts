import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { mock } from "wechaty-puppet-mock";
import { startChat, type ChatEdges } from "../../../app/chat.ts";
import { ctx, createShop, type Shop } from "../../e2e/support/shop.ts";
import { MockWechat, numberOf } from "./mock-wechat.ts";

/**
 * Issue 13 §3: a distributor's WeChat room is a shop window with the same group-shop bot as Telegram. The room
 * owner binds it; members browse at the shop's price; WeChat has no deep links, so the product card names
 * what to send the bot privately — and that private message opens the product in the shop, at its price.
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
  shop = await createShop("wxgroupshop", { workers: true, env: FAST });
  wx = new MockWechat();
  chat = await startChat(shop.c, { demo: false, wechaty: wx.wechaty });
  await wx.login();
}, 60_000);

afterAll(async () => {
  await chat?.stop();
  await shop?.dispose();
});

async function say(who: mock.ContactMock, text: string, pattern: RegExp): Promise<string> {
  const from = wx.textsTo(who.id).length;
  who.say(text).to(wx.self);
  return wx.waitFor(who.id, pattern, from);
}

async function inRoom(room: mock.RoomMock, who: mock.ContactMock, text: string, pattern: RegExp): Promise<string> {
  const from = wx.textsTo(room.id).length;
  who.say(`@卡盟小助手 ${text}`, [wx.self]).to(room);
  return wx.waitFor(room.id, pattern, from);
}

const userOf = async (contactId: string) =>
  (await shop.prisma.channelIdentity.findFirstOrThrow({ where: { channel: "wechat", externalId: contactId } })).userId;

describe("WeChat rooms as group shops", () => {
  it("the room owner binds it; a member browses at the shop's price and buys privately with the line the card gives", async () => {
    const product = await shop.codeProduct({ price: 10_000n, stock: 5 });
    const owen = wx.contact("Owen");
    const mia = wx.contact("Mia");
    await say(owen, "菜单", /回复数字/);
    const ownerId = await userOf(owen.id);
    await shop.c.distribution.add(ctx, { userId: ownerId, tierId: "gold" });
    const s = await shop.c.distribution.createShop(ctx, { ownerId, name: "Owen 卡铺" });
    await shop.c.distribution.setRule(ctx, {
      scope: "SHOP",
      ownerId: s.id,
      target: "all",
      mode: "MARKUP_PCT",
      value: 1_000n,
    });

    // A member who does not own the room cannot bind it; the owner can.
    const room = wx.mocker.createRoom({
      topic: "Owen 的卡群",
      memberIdList: [wx.self.id, owen.id, mia.id],
      ownerId: owen.id,
    });
    await say(mia, "菜单", /回复数字/);
    expect(await inRoom(room, mia, "/bindshop", /只有代理|群主|管理员|admin/)).not.toMatch(/✅/);
    expect(await inRoom(room, owen, "/bindshop", /店铺橱窗/)).toContain("Owen 卡铺");

    // The window, then the product card at the shop's price (gold cost × 1.1, not retail) with the line to send.
    const window = await inRoom(room, mia, "/shop", /请选择分类/);
    const products = await inRoom(room, mia, numberOf(window, /类目/), /点击商品|选择/);
    const card = await inRoom(room, mia, numberOf(products, /测试卡/), /发送/);
    const quote = await shop.c.orders.quote(
      { ...ctx, actor: { kind: "buyer", userId: await userOf(mia.id) } },
      { productId: product.id, quantity: 1, userId: await userOf(mia.id), shopId: s.id },
    );
    if (!quote.ok) throw new Error(quote.code);
    expect(quote.pricing.unitPrice).not.toBe(10_000n);
    const price = `¥${(Number(quote.pricing.unitPrice) / 100).toFixed(2)}`;
    expect(card).toContain(price);
    const line = /\/start (sp_[A-Za-z0-9_-]+)/.exec(card)?.[0];
    expect(line).toBeDefined();
    expect(card).not.toMatch(/CODE-/);

    // Privately: the line opens the product in the shop at the same price.
    const privateCard = await say(mia, line!, /Owen 卡铺/);
    expect(privateCard).toContain(price);
    expect(await shop.prisma.shopAttribution.findUnique({ where: { userId: await userOf(mia.id) } })).toMatchObject({
      shopId: s.id,
    });
  }, 60_000);
});
