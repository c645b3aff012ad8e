/** The Telegram channel (grammY): updates → `InboundTurn`s, `Reply[]` → Bot API calls. */
export {
  ALLOWED_UPDATES,
  createTelegramChannel,
  defaultPrecheckoutFailedText,
  errInfo,
  isPrivateChatId,
  type DeliveryResult,
  type HandleOutcome,
  type TelegramChannel,
  type TelegramChannelDeps,
  type TelegramLogger,
} from "./telegram.channel.ts";
export {
  secretMatches,
  telegramWebhookRoutes,
  TELEGRAM_SECRET_HEADER,
  type TelegramWebhookOptions,
} from "./webhook.routes.ts";
export { countRateLimitViolations, RateLimiter, TELEGRAM_LIMITS, type RateLimits } from "./rate-limiter.ts";
export { renderReplies, type ApiOp, type RenderTarget } from "./render.ts";
export { packBlocks, splitHtml, TELEGRAM_TEXT_LIMIT } from "./split-text.ts";
export { translateUpdate, type TranslatedUpdate } from "./update-to-turn.ts";
export { starsRefundSubscriber, type StarsCharge, type StarsRefundDeps } from "./stars-refunds.ts";
export { startTelegram, type StartedTelegram, type StartTelegramOptions } from "./start-telegram.ts";
export { UpdateDedupe } from "./update-dedupe.ts";
export {
  defaultFileTooLargeText,
  formatFileSize,
  TELEGRAM_MAX_FILE_BYTES,
  telegramFileReader,
  type ReadTelegramFile,
} from "./telegram-files.ts";
export { groupAdminCheck, type GroupAdminCheckOptions } from "./group-admins.ts";
