/** The chat platforms the bots talk on: the one list (bots' `TurnChannel` and anything per chat channel derive from it). */
export const CHAT_CHANNELS = ["telegram", "wechat", "slack", "web"] as const;
export type ChatChannel = (typeof CHAT_CHANNELS)[number];

/** Where a core call comes from: a chat channel, or one of the non-chat entries. */
export type Channel = ChatChannel | "http" | "cli" | "system";
export type Locale = "zh-CN" | "en";

/** Who is asking, from where: the first argument of every core call. */
export interface CoreContext {
  channel: Channel;
  /** Internal user id, when the caller has been resolved to a user. */
  userId?: string;
  /** The platform's id for the caller (Telegram user id, API key id, ...). */
  externalUserId?: string;
  locale: Locale;
  requestId: string;
  idempotencyKey?: string;
}

export function systemContext(requestId: string, over: Partial<CoreContext> = {}): CoreContext {
  return { channel: "system", locale: "en", requestId, ...over };
}
