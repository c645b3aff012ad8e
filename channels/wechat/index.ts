/** The WeChat channel (wechaty): messages → `InboundTurn`s, replies → plain text through a durable, rate-limited outbox. */
export {
  createWechatChannel,
  type WechatAlert,
  type WechatChannel,
  type WechatChannelDeps,
  type WechatLogger,
} from "./wechat.channel.ts";
export { buildWechat, startWechat, type StartWechatOptions, type WechatPuppetConfig } from "./start-wechat.ts";
export {
  COMMAND_WORDS,
  DEFAULT_ROOM_KEYWORDS,
  translateMessage,
  type TranslatedMessage,
  type WechatInbound,
} from "./message-to-turn.ts";
export { renderForWechat, WECHAT_TEXT_LIMIT, type WechatTarget } from "./render.ts";
export { countBudgetViolations, SendBudget, WECHAT_LIMITS, type SendLimits } from "./send-budget.ts";
export { createWechatOutbox, type WechatOutbox, type OutboxMessage } from "./outbox.ts";
export { OutboxSender } from "./outbox-sender.ts";
export { qrForTerminal } from "./login-qr.ts";
