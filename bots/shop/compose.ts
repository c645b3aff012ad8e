import { createConversations, type Conversations } from "../../core/conversations/index.ts";
import { createIdentity, type Identity } from "../../core/identity/index.ts";
import type { Clock, SecretBox, SqlRunner } from "../../core/shared/index.ts";
import { createI18n } from "../i18n/index.ts";
import type { ChannelCapabilities, TurnChannel } from "../turn.ts";
import { shopPortsFromCore, type CoreModules } from "./core-adapter.ts";
import { demoWalletCredit } from "./demo-credit.ts";
import { createShopBot, type ShopBot, type ShopBotDeps, type ShopBotLogger } from "./shop-bot.ts";

export interface ShopBotWiring extends CoreModules {
  /** Identity and conversations run here (the container's `db.sql`). */
  sql: SqlRunner;
  clock: Clock;
  secrets: SecretBox;
  channels: Partial<Record<TurnChannel, ChannelCapabilities>>;
  logger?: ShopBotLogger;
  /** The embedded demo: credit each new web-chat user's wallet with this many fen (CNY). */
  demoCredit?: bigint;
  /** Anything else to override (currency, top-up presets, ...). */
  overrides?: Partial<ShopBotDeps>;
}

/**
 * One call for the composition root: identity, conversations, i18n and the shop bot over the core
 * modules. Button data is signed with a key derived from the code-encryption key.
 */
export function composeShopBot(w: ShopBotWiring): { bot: ShopBot; identity: Identity; conversations: Conversations } {
  const identity = createIdentity({ sql: w.sql, clock: w.clock, secrets: w.secrets });
  const conversations = createConversations({ sql: w.sql, clock: w.clock });
  const bot = createShopBot({
    ports: shopPortsFromCore(w),
    identity,
    conversations,
    i18n: createI18n(),
    clock: w.clock,
    buttonKey: w.secrets.keyedHash("shop-bot", "callback-buttons"),
    channels: w.channels,
    ...(w.logger ? { logger: w.logger } : {}),
    ...(w.demoCredit ? { onUserCreated: demoWalletCredit({ ledger: w.ledger, amount: w.demoCredit }) } : {}),
    ...w.overrides,
  });
  return { bot, identity, conversations };
}
