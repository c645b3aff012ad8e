import type { StaffConsole } from "../../../app/staff-console.ts";
import type { ChatBot } from "../../../bots/chat-bot.ts";
import { createBotRouter, type BotRouter } from "../../../bots/router.ts";
import { createStaffBot, type StaffBotDeps } from "../../../bots/staff/index.ts";
import type { Shop } from "../../e2e/support/shop.ts";

/**
 * The staff bot over a test shop's orders, inventory and catalog and its staff console, taking staff
 * commands in one Telegram group; `more` adds the optional parts (kyc, custody, risk).
 */
export function telegramStaffBot(
  c: Pick<Shop["c"], "orders" | "inventory" | "catalog">,
  con: StaffConsole,
  group: string,
  more: Partial<StaffBotDeps> = {},
): ChatBot {
  return createStaffBot({
    ...con,
    orders: c.orders,
    inventory: c.inventory,
    catalog: c.catalog,
    ...more,
    isStaffChat: (channel, chatId) => channel === "telegram" && chatId === group,
  });
}

/** The same behind the bot router (the group routed to the staff bot, everything else to a silent shop bot). */
export function telegramStaffRouter(
  c: Pick<Shop["c"], "orders" | "inventory" | "catalog">,
  con: StaffConsole,
  group: string,
): BotRouter {
  return createBotRouter({
    shop: { name: "shop", handle: async () => [] },
    staff: telegramStaffBot(c, con, group),
    staffChats: { telegram: new Set([group]) },
  });
}
