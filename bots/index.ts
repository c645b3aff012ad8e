/** The channel-agnostic bot layer: the turn model, i18n, dedupe, the bots, their router and composition. */
export * from "./turn.ts";
export * from "./chat-bot.ts";
export * from "./router.ts";
export * from "./compose.ts";
export * from "./dedupe.ts";
export {
  createI18n,
  resources,
  SUPPORTED_LOCALES,
  type I18n,
  type MessageKey,
  type MessageParams,
} from "./i18n/index.ts";
export * from "./shop/index.ts";
export * from "./outbound.ts";
