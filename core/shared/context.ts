import { type Actor, systemActor } from "./actor.ts";

/** The chat platforms the bots talk on: the one list (bots' `TurnChannel` and anything per chat channel derive from it). */
export const CHAT_CHANNELS = ["telegram", "wechat", "slack", "web"] as const;
export type ChatChannel = (typeof CHAT_CHANNELS)[number];

/** Where a core call comes from: a chat channel, or one of the non-chat entries. */
export type Channel = ChatChannel | "http" | "cli" | "system";
export type Locale = "zh-CN" | "en";

/** Who is asking, from where: the first argument of every core call. */
export interface CoreContext {
  channel: Channel;
  /** Who acts, and so what they may do (core/shared/access.ts). Required: nothing is allowed by default. */
  actor: Actor;
  /** The platform's id for the caller (Telegram user id, API key id, ...). */
  externalUserId?: string;
  locale: Locale;
  requestId: string;
  idempotencyKey?: string;
}

/** The platform acting on its own (a job, start-up, a verified webhook): `process` names it. */
export function systemContext(requestId: string, over: Partial<CoreContext> = {}): CoreContext {
  return {
    channel: "system",
    locale: "en",
    requestId,
    actor: systemActor(requestId.split(":")[0] ?? requestId),
    ...over,
  };
}

/** The same request, made by a buyer acting for themselves. */
export const asBuyer = (ctx: CoreContext, userId: string): CoreContext => ({
  ...ctx,
  actor: { kind: "buyer", userId },
});
