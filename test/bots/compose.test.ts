import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatBot } from "../../bots/chat-bot.ts";
import { composeBots, type BotKit, type BotsWiring } from "../../bots/compose.ts";
import type { InboundTurn } from "../../bots/turn.ts";
import { toPlain } from "../../bots/turn.ts";
import { createShop, type Shop } from "../e2e/support/shop.ts";

let shop: Shop;
beforeAll(async () => {
  shop = await createShop("botcompose", { workers: false });
});
afterAll(() => shop?.dispose());

const wiring = (over: Partial<BotsWiring> = {}): BotsWiring => {
  const c = shop.c;
  return {
    sql: c.db.sql,
    clock: c.clock,
    secrets: c.secrets,
    catalog: c.catalog,
    inventory: c.inventory,
    orders: c.orders,
    ledger: c.ledger,
    payments: c.payments,
    channels: { telegram: { deepLink: () => null, starsInvoices: false } },
    ...over,
  };
};

const groupTurn = (chatId: string): InboundTurn => ({
  id: `t-${chatId}-${Math.random()}`,
  channel: "telegram",
  chat: { id: chatId, kind: "group" },
  from: { externalId: "5151", displayName: "Op", languageCode: "en" },
  input: { kind: "command", command: "start", payload: "" },
});

describe("composeBots", () => {
  it("builds the shop bot alone, routing every turn to it", async () => {
    const bots = composeBots(wiring());
    expect(bots.all.map((b) => b.name)).toEqual(["shop"]);
    expect(bots.staff).toBeUndefined();
    const replies = await bots.router.handle(groupTurn("-100401"));
    expect(replies.map((r) => (r.kind === "text" ? toPlain(r.body) : r.kind)).join("\n")).toContain("Welcome");
  });

  it("builds registered bots from the shared kit and routes their chats to them", async () => {
    let kitSeen: BotKit | undefined;
    const staff: ChatBot = {
      name: "staff",
      handle: async () => [{ kind: "text", body: [{ text: "staff console" }] }],
    };
    const bots = composeBots(
      wiring({
        staff: (kit) => ((kitSeen = kit), staff),
        staffChats: { telegram: ["-100402"] },
      }),
    );
    expect(bots.all.map((b) => b.name)).toEqual(["shop", "staff"]);
    expect(kitSeen?.identity).toBe(bots.kit.identity);
    expect(kitSeen?.i18n.t("zh-CN", "common.menu")).toBe("☰ 菜单");
    // One key per bot; the shop's is the one its buttons were always signed with.
    expect(bots.kit.buttonKey("staff")).not.toBe(bots.kit.buttonKey("shop"));
    expect(bots.kit.buttonKey("shop")).toBe(shop.c.secrets.keyedHash("shop-bot", "callback-buttons"));
    const replies = await bots.router.handle(groupTurn("-100402"));
    expect(replies).toEqual([{ kind: "text", body: [{ text: "staff console" }] }]);
  });
});
