import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBotRouter } from "../../../bots/router.ts";
import type { ChatBot } from "../../../bots/chat-bot.ts";
import type { InboundTurn, Reply } from "../../../bots/turn.ts";
import { countBudgetViolations, createWechatChannel, type WechatChannel } from "../../../channels/wechat/index.ts";
import { SecretBox, sleep } from "../../../core/shared/index.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";
import { MockWechat } from "./mock-wechat.ts";

/**
 * The channel alone (no core): the outbound limits measured where the puppet receives the messages, the
 * retries, and what happens to a code delivery answered in a room; plus a room bound to a group shop
 * reaching the group-shop bot through the router.
 */
const LIMITS = {
  contactIntervalMs: 300,
  roomIntervalMs: 400,
  roomPerMinute: 3,
  perMinute: 8,
  windowMs: 2000,
  jitterMs: 60,
};
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const secrets = new SecretBox(Buffer.alloc(32, 3));

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase("wxout");
});
afterAll(() => t.drop());

async function channelWith(
  wx: MockWechat,
  handler: (turn: InboundTurn) => Promise<Reply[]>,
  extra: Partial<Parameters<typeof createWechatChannel>[0]> = {},
): Promise<WechatChannel> {
  const ch = createWechatChannel({
    wechaty: wx.wechaty,
    db: t.db.sql,
    secrets,
    handler,
    notice: async (_turn, key, params) => `${key} ${JSON.stringify(params ?? {})}`,
    logger: quiet,
    limits: LIMITS,
    ...extra,
  });
  await ch.start();
  await wx.login();
  return ch;
}

const say = (text: string): Reply => ({ kind: "text", body: [{ text }] });

describe("WeChat outbound limits", () => {
  it("spaces messages per contact, per room and overall (sliding windows, jitter on top), measured at the puppet", async () => {
    const wx = new MockWechat();
    const ch = await channelWith(wx, async () => []);
    try {
      const a = wx.contact("A");
      const b = wx.contact("B");
      const room = wx.room("R", [a, b]);
      const t0 = Date.now();
      for (let i = 0; i < 6; i++) await ch.send(a.id, [say(`a${i}`)]);
      for (let i = 0; i < 4; i++) await ch.send(b.id, [say(`b${i}`)]);
      await ch.outbox.enqueue(
        [0, 1, 2, 3, 4].map((i) => ({ chatId: room.id, room: true, text: `r${i}` })),
        new Date(),
      );
      await ch.idle();
      const sends = wx.sent.map((s) => ({ chatId: s.chatId, room: s.chatId === room.id, at: s.at }));
      expect(sends).toHaveLength(15);
      expect(countBudgetViolations(sends, LIMITS)).toEqual({ contact: 0, room: 0, global: 0, total: 0 });
      // In order per chat; and the overall budget (8 per 2 s) makes 15 messages take more than one window.
      expect(wx.textsTo(a.id)).toEqual(["a0", "a1", "a2", "a3", "a4", "a5"]);
      expect(wx.textsTo(room.id)).toEqual(["r0", "r1", "r2", "r3", "r4"]);
      expect(Date.now() - t0).toBeGreaterThan(LIMITS.windowMs);
      const gaps = wx.sent.filter((s) => s.chatId === a.id).map((s, i, all) => (i ? s.at - all[i - 1]!.at : Infinity));
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(LIMITS.contactIntervalMs);
    } finally {
      await ch.stop();
    }
  }, 30_000);

  it("sends what another process wrote to the outbox (no nudge) within the poll interval, and idle() waits for it", async () => {
    const wx = new MockWechat();
    const ch = await channelWith(wx, async () => [], { sender: { pollMs: 200 } });
    try {
      const a = wx.contact("A");
      await ch.idle();
      // Written to the table directly, as a notifier in another process would: nobody nudges this sender.
      await ch.outbox.enqueue([{ chatId: a.id, room: false, text: "from elsewhere" }], new Date());
      const until = Date.now() + 5_000;
      while (wx.textsTo(a.id).length === 0 && Date.now() < until) await sleep(50);
      expect(wx.textsTo(a.id)).toEqual(["from elsewhere"]);
      await ch.outbox.enqueue([{ chatId: a.id, room: false, text: "and again" }], new Date());
      await ch.idle();
      expect(wx.textsTo(a.id)).toEqual(["from elsewhere", "and again"]);
    } finally {
      await ch.stop();
    }
  });

  it("retries a failed send with backoff, keeps the chat's order, and gives up after the last attempt", async () => {
    const wx = new MockWechat();
    const given: string[] = [];
    const ch = await channelWith(wx, async () => [], {
      sender: { maxAttempts: 3, backoffMs: (n) => 50 * n },
      alert: (a) => void (a.kind === "message_given_up" && given.push(a.chatId)),
    });
    try {
      const c = wx.contact("C");
      wx.failNext = 2;
      await ch.send(c.id, [say("first")]);
      await ch.send(c.id, [say("second")]);
      await ch.idle();
      expect(wx.textsTo(c.id)).toEqual(["first", "second"]);
      const d = wx.contact("D");
      wx.failNext = 3;
      await ch.send(d.id, [say("lost")]);
      await ch.idle();
      expect(given).toEqual([d.id]);
      const rows = await t.db.prisma.wechatOutbox.findMany({ where: { chatId: d.id } });
      expect(rows).toMatchObject([{ attempts: 3, body: null, sentAt: null }]);
      expect(rows[0]!.deadAt).not.toBeNull();
    } finally {
      await ch.stop();
    }
  }, 30_000);
});

describe("WeChat rooms: code deliveries", () => {
  const codes: Reply = {
    kind: "codes",
    orderId: "0190f0f0-0000-7000-8000-000000000001",
    title: [{ text: "Your codes" }],
    items: [{ code: "SECRET-CODE-1", password: "PW-1" }],
    labels: { code: "Code", password: "Password", copy: "Copy" },
  };

  it("never posts a code in a room: a contact gets it privately, anyone else is told how to add the bot", async () => {
    const wx = new MockWechat();
    const ch = await channelWith(wx, async () => [say("here you go"), codes], { autoAcceptFriends: false });
    try {
      const friend = wx.contact("Friend");
      const stranger = wx.mocker.createContact({ name: "Stranger", friend: false });
      const room = wx.room("Shop room", [friend, stranger]);
      friend.say("@卡盟小助手 codes", [wx.self]).to(room);
      await wx.waitFor(room.id, /codes_sent_privately/);
      const got = await wx.waitFor(friend.id, /SECRET-CODE-1/);
      expect(got.split("\n")).toEqual(expect.arrayContaining(["SECRET-CODE-1", "Password:", "PW-1"]));
      stranger.say("@卡盟小助手 codes", [wx.self]).to(room);
      await wx.waitFor(room.id, /text.add_friend/);
      await ch.idle();
      expect(wx.textsTo(room.id).join("\n")).not.toMatch(/SECRET|PW-1/);
      expect(wx.textsTo(stranger.id)).toEqual([]);
    } finally {
      await ch.stop();
    }
  }, 30_000);

  it("routes a room bound to a distributor's shop to the group-shop bot (router's groupShopOf)", async () => {
    const wx = new MockWechat();
    const seen: { bot: string; shopId?: string | null; chat: string }[] = [];
    const fakeBot = (name: "shop" | "groupshop"): ChatBot => ({
      name,
      async handle(turn, route) {
        seen.push({ bot: name, chat: turn.chat.id, ...(route && "shopId" in route ? { shopId: route.shopId } : {}) });
        return [say(`${name} answers`)];
      },
    });
    let boundRoom = "";
    const router = createBotRouter({
      shop: fakeBot("shop"),
      groupShop: fakeBot("groupshop"),
      groupShopOf: async (channel, chatId) =>
        channel === "wechat" && chatId === boundRoom ? { shopId: "shop-42" } : null,
    });
    const ch = await channelWith(wx, (turn) => router.handle(turn));
    try {
      const m = wx.contact("Member");
      const bound = wx.room("Distributor's shop", [m]);
      const other = wx.room("Another room", [m]);
      boundRoom = bound.id;
      m.say("@卡盟小助手 菜单", [wx.self]).to(bound);
      m.say("@卡盟小助手 菜单", [wx.self]).to(other);
      await wx.waitFor(bound.id, /groupshop answers/);
      await wx.waitFor(other.id, /shop answers/);
      expect(seen).toEqual(
        expect.arrayContaining([
          { bot: "groupshop", shopId: "shop-42", chat: bound.id },
          { bot: "shop", chat: other.id },
        ]),
      );
      await sleep(10);
    } finally {
      await ch.stop();
    }
  }, 30_000);
});
