export { createGroupShopBot, groupShopBot } from "./groupshop-bot.ts";
export { GROUPSHOP_BUTTON_PREFIX, isGroupShopButton } from "./button-data.ts";
export type { GroupShopBotDeps, GroupShopPorts } from "./groupshop.types.ts";
export { feedBudget } from "./sales-feed.ts";
