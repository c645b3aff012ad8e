import type { DomainEvent } from "../core/shared/index.ts";
import type { InboundTurn, OutboundMessage, Reply } from "./turn.ts";

/** The bots over one core: consumers' shop, operators' staff console, distributors' group shops. */
export type BotName = "shop" | "staff" | "groupshop";

/** Where the router sent a turn, with what it learned deciding. */
export type TurnRoute =
  | { bot: "shop" }
  | { bot: "staff" }
  /**
   * A group bound to a distributor's shop: the group-shop bot needs not look the binding up again. Null in a
   * group not bound yet, for what only the group-shop bot answers there (`/bindshop` and its own buttons).
   */
  | { bot: "groupshop"; shopId: string | null };

/**
 * What every bot implements, so one router can hand it turns and one composition root can subscribe it
 * to domain events. A bot knows no platform: turns in, localized replies out.
 */
export interface ChatBot {
  readonly name: BotName;
  /**
   * One inbound turn → replies. Expected trouble (bad input, stale buttons, busy conversation) is
   * answered; a throw means "could not handle it now" and lets the channel have the turn delivered again.
   */
  handle(turn: InboundTurn, route?: TurnRoute): Promise<Reply[]>;
  /** Committed domain events → messages the bot starts (to users' private chats). */
  onDomainEvent?(event: DomainEvent & { id?: string }): Promise<OutboundMessage[]>;
  /** Called with a batch of events before they are dispatched one by one (to read what they share once). */
  prepareEvents?(events: Array<DomainEvent & { id: string }>): Promise<void>;
}

/** The subset of a pino logger the bots use. Never given a code or a message's text. */
export interface BotLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
