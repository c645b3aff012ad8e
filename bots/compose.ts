import { createConversations, type Conversations } from "../core/conversations/index.ts";
import { createIdentity, type Identity } from "../core/identity/index.ts";
import type { Clock, SecretBox, SqlRunner } from "../core/shared/index.ts";
import type { BotLogger, BotName, ChatBot } from "./chat-bot.ts";
import type { AgentPorts } from "./distributor/index.ts";
import { createI18n, type I18n } from "./i18n/index.ts";
import { createBotRouter, type BotRouter, type BotRouterOptions } from "./router.ts";
import { shopPortsFromCore, type CoreModules } from "./shop/core-adapter.ts";
import { demoWalletCredit } from "./shop/demo-credit.ts";
import { createShopBot, type ShopBot, type ShopBotDeps } from "./shop/shop-bot.ts";
import type { ChannelCapabilities, TurnChannel } from "./turn.ts";

/** What every bot is built from: the shared services, the channels' capabilities, a key per bot. */
export interface BotKit {
  /** The hot-path runner (the container's `db.sql`): identity and conversations run on it. */
  sql: SqlRunner;
  clock: Clock;
  secrets: SecretBox;
  identity: Identity;
  conversations: Conversations;
  i18n: I18n;
  channels: Partial<Record<TurnChannel, ChannelCapabilities>>;
  logger?: BotLogger;
  /** HMAC key for a bot's button data, derived from the code-encryption key (stable across restarts). */
  buttonKey(bot: BotName): string;
}

export interface BotsWiring extends CoreModules {
  sql: SqlRunner;
  clock: Clock;
  secrets: SecretBox;
  channels: Partial<Record<TurnChannel, ChannelCapabilities>>;
  logger?: BotLogger;
  /**
   * The distributor economy: the shop bot's `/agent` screens and its shop links run on it (absent: the
   * screens say it is not available, and links open the plain shop).
   */
  distribution?: AgentPorts & NonNullable<CoreModules["distribution"]>;
  /** The embedded demo: credit each new web-chat user's wallet with this many fen (CNY). */
  demoCredit?: bigint;
  /** Anything of the shop bot's to override (currency, top-up presets, ...). */
  shopOverrides?: Partial<ShopBotDeps>;
  /** Optional bots, each built from the kit: registering one is all it takes to route turns to it. */
  staff?: (kit: BotKit) => ChatBot;
  groupShop?: (kit: BotKit) => ChatBot;
  /** Staff group chat ids per channel (their turns go to the staff bot, never to the shop). */
  staffChats?: BotRouterOptions["staffChats"];
  /** Channels only the staff bot serves (Slack). */
  staffOnlyChannels?: BotRouterOptions["staffOnlyChannels"];
  /** The distributor's shop a group is bound to (asked only when a group-shop bot is registered). */
  groupShopOf?: BotRouterOptions["groupShopOf"];
}

export interface ComposedBots {
  shop: ShopBot;
  staff?: ChatBot;
  groupShop?: ChatBot;
  /** Every bot, for the event subscriptions of the composition root. */
  all: ChatBot[];
  /** The one entry point the channels call. */
  router: BotRouter;
  kit: BotKit;
}

/**
 * The one place bots are composed: the shared kit (identity, conversations, i18n, button keys) over
 * the core modules, the shop bot, whichever other bots are registered, and the router between them.
 */
export function composeBots(w: BotsWiring): ComposedBots {
  const kit: BotKit = {
    sql: w.sql,
    clock: w.clock,
    secrets: w.secrets,
    identity: createIdentity({ sql: w.sql, clock: w.clock, secrets: w.secrets }),
    conversations: createConversations({ sql: w.sql, clock: w.clock }),
    i18n: createI18n(),
    channels: w.channels,
    ...(w.logger ? { logger: w.logger } : {}),
    // "shop-bot": the key the shop's buttons were always signed with, so buttons already sent stay valid.
    buttonKey: (bot) => w.secrets.keyedHash(`${bot}-bot`, "callback-buttons"),
  };
  const shop = createShopBot({
    ports: shopPortsFromCore(w),
    identity: kit.identity,
    conversations: kit.conversations,
    i18n: kit.i18n,
    clock: kit.clock,
    buttonKey: kit.buttonKey("shop"),
    channels: kit.channels,
    ...(kit.logger ? { logger: kit.logger } : {}),
    ...(w.distribution ? { distribution: w.distribution } : {}),
    ...(w.demoCredit ? { onUserCreated: demoWalletCredit({ ledger: w.ledger, amount: w.demoCredit }) } : {}),
    ...w.shopOverrides,
  });
  const staff = w.staff?.(kit);
  const groupShop = w.groupShop?.(kit);
  const router = createBotRouter({
    shop,
    ...(staff ? { staff } : {}),
    ...(groupShop ? { groupShop } : {}),
    ...(w.staffChats ? { staffChats: w.staffChats } : {}),
    ...(w.staffOnlyChannels ? { staffOnlyChannels: w.staffOnlyChannels } : {}),
    ...(w.groupShopOf ? { groupShopOf: w.groupShopOf } : {}),
    i18n: kit.i18n,
    ...(kit.logger ? { logger: kit.logger } : {}),
  });
  return {
    shop,
    ...(staff ? { staff } : {}),
    ...(groupShop ? { groupShop } : {}),
    all: [shop, staff, groupShop].filter((b): b is ChatBot => b !== undefined),
    router,
    kit,
  };
}
