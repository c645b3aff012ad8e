import type { Distribution } from "../../core/distribution/index.ts";
import type { Identity } from "../../core/identity/index.ts";
import type { Clock, CoreContext, Locale } from "../../core/shared/index.ts";
import type { BotLogger } from "../chat-bot.ts";
import type { I18n } from "../i18n/index.ts";
import type { ChannelCapabilities, InboundTurn, TurnChannel } from "../turn.ts";
import type { GroupButtonCodec } from "./button-data.ts";

/** What the group-shop bot needs of core/distribution (the real module satisfies it). */
export type GroupShopPorts = Pick<
  Distribution,
  | "get"
  | "shops"
  | "bindGroup"
  | "unbindGroup"
  | "setGroupSalesFeed"
  | "shopWindow"
  | "shopProducts"
  | "shopProduct"
  | "salesFeedTargets"
>;

export interface GroupShopBotDeps {
  distribution: GroupShopPorts;
  identity: Identity;
  i18n: I18n;
  clock: Clock;
  /** HMAC key of the bot's buttons (BotKit.buttonKey("groupshop")). */
  buttonKey: string;
  channels: Partial<Record<TurnChannel, ChannelCapabilities>>;
  logger?: BotLogger;
  /** The sales feed's budget per group (sales-feed.ts): default 5 lines a minute. */
  feed?: { perWindow?: number; windowMs?: number };
  /** The language of sales lines (a group has no language of its own). Default zh-CN. */
  feedLocale?: Locale;
}

/** One group turn, resolved: who, where, in which language, and the shop the group is bound to. */
export interface GroupSession {
  turn: InboundTurn;
  ctx: CoreContext;
  userId: string;
  locale: Locale;
  caps: ChannelCapabilities | undefined;
  /** The bound shop (null: the group shows none). */
  shopId: string | null;
  /** A button press: answers replace the message it was on. */
  edit: boolean;
}

export interface GroupKit {
  deps: GroupShopBotDeps;
  codec: GroupButtonCodec;
}
