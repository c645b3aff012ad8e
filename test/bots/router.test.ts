import { describe, expect, it } from "vitest";
import type { BotName, ChatBot, TurnRoute } from "../../bots/chat-bot.ts";
import { createBotRouter, type BotRouterOptions } from "../../bots/router.ts";
import type { InboundTurn, Reply, TurnChannel } from "../../bots/turn.ts";
import { toPlain } from "../../bots/turn.ts";

/** A bot that records what it was handed and answers with its name. */
function fakeBot(name: BotName) {
  const seen: { turn: InboundTurn; route: TurnRoute | undefined }[] = [];
  const bot: ChatBot = {
    name,
    async handle(turn, route) {
      seen.push({ turn, route });
      return [{ kind: "text", body: [{ text: `${name} here` }] }];
    },
  };
  return { bot, seen };
}

let seq = 0;
function turn(chat: { id: string; kind: "private" | "group" }, over: { channel?: TurnChannel; lang?: string } = {}) {
  return {
    id: `u${++seq}`,
    channel: over.channel ?? "telegram",
    chat,
    from: { externalId: "42", displayName: "Ann", ...(over.lang ? { languageCode: over.lang } : {}) },
    input: { kind: "text", text: "hello" },
  } satisfies InboundTurn;
}

const privateChat = { id: "42", kind: "private" } as const;
const staffGroup = { id: "-100111", kind: "group" } as const;
const boundGroup = { id: "-100222", kind: "group" } as const;
const otherGroup = { id: "-100333", kind: "group" } as const;
const text = (replies: Reply[]) => replies.map((r) => (r.kind === "text" ? toPlain(r.body) : r.kind)).join("|");

function setup(over: Partial<BotRouterOptions> = {}) {
  const shop = fakeBot("shop");
  const staff = fakeBot("staff");
  const groupShop = fakeBot("groupshop");
  const lookups: string[] = [];
  const router = createBotRouter({
    shop: shop.bot,
    staff: staff.bot,
    groupShop: groupShop.bot,
    staffChats: { telegram: [staffGroup.id] },
    groupShopOf: async (channel, chatId) => {
      lookups.push(`${channel}:${chatId}`);
      return chatId === boundGroup.id ? { shopId: "shop-7" } : null;
    },
    ...over,
  });
  return { router, shop, staff, groupShop, lookups };
}

describe("bot router", () => {
  it("sends every turn of a staff-only channel (Slack) to the staff bot, whatever the chat", async () => {
    const { router, shop, staff } = setup({ staffOnlyChannels: ["slack"] });
    const slack = { channel: "slack" } as const;
    expect(text(await router.handle(turn({ id: "C0STAFF", kind: "group" }, slack)))).toBe("staff here");
    expect(text(await router.handle(turn({ id: "C0OTHER", kind: "group" }, slack)))).toBe("staff here");
    expect(text(await router.handle(turn({ id: "D0DIRECT", kind: "private" }, slack)))).toBe("staff here");
    expect(shop.seen).toHaveLength(0);
    expect(staff.seen).toHaveLength(3);
    // Without a staff bot nobody answers there (never the shop).
    const bare = createBotRouter({ shop: shop.bot, staffOnlyChannels: ["slack"] });
    expect(await bare.handle(turn({ id: "C0STAFF", kind: "group" }, slack))).toEqual([]);
    expect(shop.seen).toHaveLength(0);
  });

  it("sends private chats to the shop, the staff group to staff, a bound group to its group shop", async () => {
    const { router, shop, staff, groupShop } = setup();
    expect(text(await router.handle(turn(privateChat)))).toBe("shop here");
    expect(text(await router.handle(turn(staffGroup)))).toBe("staff here");
    expect(text(await router.handle(turn(boundGroup)))).toBe("groupshop here");
    expect(shop.seen.map((s) => s.turn.chat.id)).toEqual([privateChat.id]);
    expect(staff.seen.map((s) => s.turn.chat.id)).toEqual([staffGroup.id]);
    expect(groupShop.seen.map((s) => s.route)).toEqual([{ bot: "groupshop", shopId: "shop-7" }]);
  });

  it("a turn in the staff group never reaches the shop bot, and a shop turn never the staff bot", async () => {
    const { router, shop, staff } = setup();
    for (const chat of [staffGroup, staffGroup, privateChat, otherGroup, boundGroup]) await router.handle(turn(chat));
    expect(shop.seen.some((s) => s.turn.chat.id === staffGroup.id)).toBe(false);
    expect(staff.seen.every((s) => s.turn.chat.id === staffGroup.id)).toBe(true);
    expect(staff.seen).toHaveLength(2);
  });

  it("staff groups are per channel: the same id on another channel is an ordinary group", async () => {
    const { router } = setup();
    expect(await router.route(turn(staffGroup, { channel: "wechat" }))).toEqual({ bot: "shop" });
  });

  it("/bindshop and the group-shop bot's own buttons reach it in an unbound group; nothing else does", async () => {
    const { router } = setup();
    const input = (i: InboundTurn["input"]) => (chat: { id: string; kind: "private" | "group" }) => ({
      ...turn(chat),
      input: i,
    });
    const bindshop = input({ kind: "command", command: "bindshop", payload: "" });
    const ownButton = input({ kind: "button", data: "gs:b:AAAAAAAAAAAAAAAAAAAAAA~abcdefgh" });
    expect(await router.route(bindshop(otherGroup))).toEqual({ bot: "groupshop", shopId: null });
    expect(await router.route(ownButton(otherGroup))).toEqual({ bot: "groupshop", shopId: null });
    expect(await router.route(bindshop(boundGroup))).toEqual({ bot: "groupshop", shopId: "shop-7" });
    expect(await router.route(input({ kind: "command", command: "shop", payload: "" })(otherGroup))).toEqual({
      bot: "shop",
    });
    expect(await router.route(input({ kind: "button", data: "Cxyz~abcdefgh" })(otherGroup))).toEqual({ bot: "shop" });
    // A private chat and the staff group are never the group shop's, whatever the command.
    expect(await router.route(bindshop(privateChat))).toEqual({ bot: "shop" });
    expect(await router.route(bindshop(staffGroup))).toEqual({ bot: "staff" });
    // Without a group-shop bot, /bindshop is the shop bot's (an unknown command there).
    const bare = createBotRouter({ shop: fakeBot("shop").bot });
    expect(await bare.route(bindshop(otherGroup))).toEqual({ bot: "shop" });
  });

  it("an unbound group goes to the shop bot (its group behaviour)", async () => {
    const { router, shop } = setup();
    expect(text(await router.handle(turn(otherGroup)))).toBe("shop here");
    expect(shop.seen[0]!.route).toEqual({ bot: "shop" });
  });

  it("asks the binding lookup only for groups, and only when a group-shop bot is registered", async () => {
    const a = setup();
    await a.router.handle(turn(privateChat));
    await a.router.handle(turn(staffGroup));
    await a.router.handle(turn(otherGroup));
    expect(a.lookups).toEqual([`telegram:${otherGroup.id}`]);
    const b = setup({ groupShop: undefined });
    expect(text(await b.router.handle(turn(boundGroup)))).toBe("shop here");
    expect(b.lookups).toEqual([]);
  });

  it("a lookup that throws gets a generic error reply in the user's language, and no bot runs", async () => {
    const errors: object[] = [];
    const { router, shop, groupShop } = setup({
      groupShopOf: async () => {
        throw new Error("database went away");
      },
      logger: { warn: () => {}, error: (obj) => void errors.push(obj) },
    });
    expect(text(await router.handle(turn(otherGroup, { lang: "en" })))).toBe(
      "Sorry, something went wrong on our side. Please try again in a moment.",
    );
    expect(text(await router.handle(turn(otherGroup, { lang: "zh-hans" })))).toBe("抱歉，系统出了点问题，请稍后再试。");
    expect(shop.seen).toEqual([]);
    expect(groupShop.seen).toEqual([]);
    expect(errors).toHaveLength(2);
    // Private chats do not depend on the lookup.
    expect(text(await router.handle(turn(privateChat)))).toBe("shop here");
  });

  it("without a staff bot, a staff group gets no answer at all (never the shop)", async () => {
    const { router, shop } = setup({ staff: undefined });
    expect(await router.route(turn(staffGroup))).toBeNull();
    expect(await router.handle(turn(staffGroup))).toEqual([]);
    expect(shop.seen).toEqual([]);
  });

  it("passes a bot's own failure on (the channel has the turn delivered again)", async () => {
    const { router } = setup({
      shop: {
        name: "shop",
        handle: async () => {
          throw new Error("busy database");
        },
      },
    });
    await expect(router.handle(turn(privateChat))).rejects.toThrow("busy database");
  });

  it("never lets a code delivery out into a group, whichever bot answered", async () => {
    const leaky: ChatBot = {
      name: "groupshop",
      handle: async () => [
        {
          kind: "codes",
          orderId: "o1",
          title: [],
          items: [{ code: "SECRET" }],
          labels: { code: "", password: "", copy: "" },
        },
        { kind: "text", body: [{ text: "see your private chat" }] },
      ],
    };
    const { router } = setup({ groupShop: leaky });
    expect(text(await router.handle(turn(boundGroup)))).toBe("see your private chat");
  });
});
