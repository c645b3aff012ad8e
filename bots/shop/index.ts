export {
  createShopBot,
  orderLabel,
  type ShopBot,
  type ShopBotDeps,
  type ShopBotLogger,
  type ShopState,
} from "./shop-bot.ts";
export type { ShopPorts } from "./ports.ts";
export { shopPortsFromCore, type CoreModules, type PaymentsLike } from "./core-adapter.ts";
export { createCallbackCodec, MAX_CALLBACK_BYTES, type Action, type CallbackCodec } from "./callback-data.ts";
export { demoWalletCredit } from "./demo-credit.ts";
