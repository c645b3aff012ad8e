import type { Conversations, ConversationKey } from "../../core/conversations/index.ts";
import type { Identity, IdentityRecord, UserRecord } from "../../core/identity/index.ts";
import type { Clock, CoreContext, Currency, DomainEvent, Locale } from "../../core/shared/index.ts";
import type { BotLogger, ChatBot } from "../chat-bot.ts";
import type { I18n } from "../i18n/index.ts";
import type { ChannelCapabilities, InboundTurn, OutboundMessage, Reply, TurnChannel } from "../turn.ts";
import type { AgentPorts, AgentStep } from "../distributor/ports.ts";
import type { WithdrawInputStep, WithdrawMemory } from "../distributor/withdraw-state.ts";
import type { ShopPorts, ShopRef } from "./ports.ts";

export type ShopBotLogger = BotLogger;

export interface ShopBotDeps {
  ports: ShopPorts;
  identity: Identity;
  conversations: Conversations;
  i18n: I18n;
  clock: Clock;
  /** HMAC key for button data (≥ 16 bytes), e.g. derived from the code-encryption key. */
  buttonKey: string | Buffer;
  /** The channels this bot serves and what each can do (deep links, Stars). */
  channels: Partial<Record<TurnChannel, ChannelCapabilities>>;
  /** Wallet currency shown for balances and top-ups (default CNY). */
  currency?: Currency;
  /** Top-up menu amounts in minor units of `currency` (default 10, 50, 100). */
  topUpPresets?: bigint[];
  /** Called once when a turn creates a new user (e.g. the embedded demo credits a demo wallet). */
  onUserCreated?: (ctx: CoreContext, user: UserRecord, turn: InboundTurn) => Promise<void>;
  logger?: ShopBotLogger;
  /** The distributor economy (`/agent` screens, bots/distributor); absent: `/agent` says it is not available. */
  distribution?: AgentPorts;
  /** Nonce source for confirmations (default 8 random bytes, base64url). */
  nonce?: () => string;
  /** Link-code validity shown to users, minutes (must match identity's TTL; default 10). */
  linkCodeMinutes?: number;
  /** Times are shown in the buyer's zone when their channel tells it, else in this one (default Asia/Shanghai). */
  timeZone?: string;
}

export interface ShopBot extends ChatBot {
  readonly name: "shop";
  /** The channel entry point: one inbound turn → replies (already localized). */
  handle(turn: InboundTurn): Promise<Reply[]>;
  /**
   * Domain events (`order.fulfilling/delivered/refunded/expired`, `payment.succeeded`,
   * `stock.restocked`) → messages for users' private chats. The caller sends them on each channel.
   */
  onDomainEvent(event: DomainEvent & { id?: string }): Promise<OutboundMessage[]>;
  /**
   * Called with a batch of events (outbox ids set) before they are dispatched one by one: what they
   * all need (the users' private chats) is read in one query instead of one per event.
   */
  prepareEvents(events: Array<DomainEvent & { id: string }>): Promise<void>;
}

// ----------------------------------------------------------------------------------------- state

export type Step =
  | { kind: "quantity"; productId: string; version: number; price: string }
  | { kind: "target"; productId: string; version: number; price: string; quantity: number }
  | { kind: "confirm" }
  | { kind: "link_code" }
  /** Real-name verification: waiting for the name, then the ID number (the name only sealed: core/kyc sealName). */
  | { kind: "kyc_name" }
  | { kind: "kyc_id"; sealedName: string }
  /** The distributor screens' typed answers (bots/distributor). */
  | AgentStep
  /** A distributor's withdrawal screens (bots/distributor/withdraw-*.ts). */
  | { kind: "withdraw"; input: WithdrawInputStep };

export interface Pending {
  nonce: string;
  productId: string;
  version: number;
  quantity: number;
  target: string | null;
  unitPrice: string;
  total: string;
  currency: string;
  /** When the confirmation was shown (ISO); a confirmation older than PENDING_TTL_MS is no longer valid. */
  at?: string;
  /** The distributor's shop the order is bought in (its sale price was quoted), and its name as shown. */
  shopId?: string;
  shopName?: string;
}

export interface ShopState {
  step?: Step;
  pending?: Pending;
  /** Recently used confirmation nonces → their order, to answer double taps. */
  done?: { nonce: string; orderId: string }[];
  /**
   * A number refused for its carrier, kept for the products offered in its place: picking one of them
   * goes straight to the confirmation for that number.
   */
  offered?: { target: string; productIds: string[] };
  /**
   * The shop whose link (`/start shop_…`/`sp_…`) this conversation came in by: browsing and buying use its
   * prices. Kept across steps; a plain `/start` drops it (the buyer's attributed shop applies then).
   */
  shopId?: string;
  /** The withdrawal confirmation on screen and the ones already confirmed (bots/distributor/withdraw-*.ts). */
  withdraw?: WithdrawMemory;
}

export interface Session {
  turn: InboundTurn;
  ctx: CoreContext;
  user: UserRecord;
  identity: IdentityRecord;
  locale: Locale;
  caps: ChannelCapabilities;
  key: ConversationKey;
  isPrivate: boolean;
  /** Button presses may replace the message they came from. */
  edit: boolean;
  /** The IANA zone times are shown in. */
  timeZone: string;
  /** The user existed before this turn (greeted as returning). */
  returning: boolean;
  /** The shop this turn buys in, once read (kit `shopOf`). */
  shop?: Promise<ShopRef | null>;
}
