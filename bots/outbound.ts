import type { OutboundMessage, TurnChannel } from "./turn.ts";

/** The domain events the shop bot turns into messages (app/chat.ts subscribes it to them). */
export const SHOP_BOT_EVENT_TYPES = [
  "order.fulfilling",
  "order.awaiting_stock",
  "order.delivered",
  "order.redelivery_requested",
  "order.refunded",
  "order.expired",
  "payment.succeeded",
  "stock.restocked",
  "kyc.verified",
  "kyc.rejected",
  "withdrawal.paid",
  "withdrawal.rejected",
  "distributor.application_decided",
  "distributor.tier_changed",
] as const;

export type OutboundSender = (message: OutboundMessage) => Promise<void> | void;

export interface OutboundDedupe {
  /** Already sent? */
  seen(key: string): Promise<boolean>;
  /** Record as sent. */
  mark(key: string): Promise<void>;
}

export interface OutboundLogger {
  warn(obj: object, msg: string): void;
}

/**
 * Sends the bot's own messages on their channels. With `dedupe`, a message whose `dedupeKey` was sent
 * before is skipped, and the key is recorded only after a successful send: a crash in between may
 * repeat a message (harmless: a code re-sent to its owner) but never loses one.
 * Example: `dedupe: { seen: (k) => isTurnProcessed(db, "outbound", k), mark: (k) => markTurnProcessed(db, "outbound", k).then(() => {}) }`.
 */
export function createOutboundDelivery(opts: {
  senders: Partial<Record<TurnChannel, OutboundSender>>;
  dedupe?: OutboundDedupe;
  logger?: OutboundLogger;
}) {
  return async function deliver(messages: OutboundMessage[]): Promise<{ sent: number; skipped: number }> {
    let sent = 0;
    let skipped = 0;
    for (const m of messages) {
      const send = opts.senders[m.channel];
      if (!send) {
        opts.logger?.warn({ channel: m.channel, userId: m.userId }, "no sender for this channel; message dropped");
        skipped++;
        continue;
      }
      if (opts.dedupe && m.dedupeKey && (await opts.dedupe.seen(m.dedupeKey))) {
        skipped++;
        continue;
      }
      await send(m);
      if (opts.dedupe && m.dedupeKey) await opts.dedupe.mark(m.dedupeKey);
      sent++;
    }
    return { sent, skipped };
  };
}
