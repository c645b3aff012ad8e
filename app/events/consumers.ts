import { SHOP_BOT_EVENT_TYPES } from "../../bots/outbound.ts";
import type { OutboundMessage } from "../../bots/turn.ts";
import type { Distribution } from "../../core/distribution/index.ts";
import { defineConsumer, type CommittedEvent, type EventConsumer } from "../../core/events/index.ts";
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from "../../core/webhooks/index.ts";
import type { Orders } from "../../core/flows/index.ts";
import { pricingOf } from "../../core/orders/index.ts";
import { systemContext, type Currency } from "../../core/shared/index.ts";

/**
 * The consumers kameng has today, by name (the names are rows in `event_consumers`: the migration that
 * introduced cursors placed these three where the old relay stood). Which process hosts which is decided
 * in app/main.ts; see docs/events.md to add one.
 */
export const SHOP_NOTIFIER = "shop-notifier";
export const STARS_REFUNDER = "stars-refunder";
export const FULFILMENT_DISPATCHER = "fulfilment-dispatcher";
export const DISTRIBUTOR_WEBHOOKS = "distributor-webhooks";
export const DISTRIBUTION_BOOKKEEPER = "distribution-bookkeeper";
export const GROUP_SHOP_FEED = "group-shop-feed";

export type ShopNotifierEventType = (typeof SHOP_BOT_EVENT_TYPES)[number];

/**
 * The shop bot's notifier: committed order, payment and restock events → messages in the buyers' private
 * chats. Idempotent on the event id: every message carries a dedupe key made of the event id, and the
 * outbound delivery skips a key already sent.
 */
export function shopNotifier(deps: {
  bot: {
    onDomainEvent(event: CommittedEvent<ShopNotifierEventType>): Promise<OutboundMessage[]>;
    prepareEvents(events: Array<CommittedEvent<ShopNotifierEventType>>): Promise<void>;
  };
  /** Sends the messages (e.g. `createOutboundDelivery(…)`); `event` is the one they answer. */
  deliver(messages: OutboundMessage[], event: CommittedEvent<ShopNotifierEventType>): Promise<unknown>;
}): EventConsumer<ShopNotifierEventType> {
  return defineConsumer({
    name: SHOP_NOTIFIER,
    types: SHOP_BOT_EVENT_TYPES,
    startFrom: "now",
    // Each event costs a few reads (the order, its codes, the dedupe): several buyers' events at once,
    // one buyer's in order (a top-up's "topping up…" before its "delivered").
    concurrency: 8,
    key: (event) => ("userId" in event.payload ? `user:${event.payload.userId}` : `product:${event.payload.productId}`),
    prepare: (events) => deps.bot.prepareEvents([...events]),
    async handle(event) {
      await deps.deliver(await deps.bot.onDomainEvent(event), event);
    },
  });
}

/**
 * The group shops' opt-in sales feed: a delivered shop order → a line (no buyer, no code) in the shop's
 * groups that asked for it (bots/groupshop). Idempotent on the event id: the dedupe key carries it.
 */
export function groupShopFeed(deps: {
  bot: { onDomainEvent(event: CommittedEvent<"order.delivered">): Promise<OutboundMessage[]> };
  deliver(messages: OutboundMessage[]): Promise<unknown>;
}): EventConsumer<"order.delivered"> {
  return defineConsumer({
    name: GROUP_SHOP_FEED,
    types: ["order.delivered"],
    startFrom: "now",
    async handle(event) {
      await deps.deliver(await deps.bot.onDomainEvent(event));
    },
  });
}

/**
 * Telegram Stars refunds: a refunded order paid with Stars gets its Stars back through the Bot API.
 * Idempotent (a charge already refunded counts as done). `refund` throws when it cannot (the event is
 * retried, then parked for an operator).
 */
export function starsRefunder(
  refund: (event: CommittedEvent<"order.refunded">) => Promise<void>,
): EventConsumer<"order.refunded"> {
  return defineConsumer({ name: STARS_REFUNDER, types: ["order.refunded"], startFrom: "now", handle: refund });
}

/**
 * The fulfilment dispatcher: every paid order reaches the `fulfil-order` queue, even when the process that
 * committed the payment died before its own fast-path enqueue. Idempotent: the job id is the order's.
 */
export function fulfilmentDispatcher(enqueue: (orderId: string) => Promise<void>): EventConsumer<"order.paid"> {
  return defineConsumer({
    name: FULFILMENT_DISPATCHER,
    types: ["order.paid"],
    startFrom: "beginning",
    handle: (event) => enqueue(event.payload.orderId),
  });
}

/**
 * Distributor webhooks: an order a distributor placed through the API changed (paid, delivered, refunded)
 * → a delivery row (once per event: the outbox id is its event id) and a `deliver-webhook` job that POSTs
 * it signed, retried by the queue. Quick: the HTTP call is the job's, never the consumer's.
 */
export function distributorWebhooks(deps: {
  record(event: CommittedEvent<WebhookEventType>): Promise<{ id: string } | null>;
  enqueue(deliveryId: string): Promise<void>;
}): EventConsumer<WebhookEventType> {
  return defineConsumer({
    name: DISTRIBUTOR_WEBHOOKS,
    types: WEBHOOK_EVENT_TYPES,
    startFrom: "now",
    async handle(event) {
      const delivery = await deps.record(event);
      if (delivery) await deps.enqueue(delivery.id);
    },
  });
}

/**
 * After a chain order is delivered: its sale counts toward each distributor's rolling volume (an upgrade
 * happens here, once, with its `distributor.tier_changed` event), and a distributor who owes a receivable
 * has it netted against the commission just earned. A refund takes the sale out of the volume. Idempotent:
 * the volume is keyed by order, and netting nets only what is still owed.
 */
export function distributionBookkeeper(deps: {
  orders: Pick<Orders, "get">;
  distribution: Pick<Distribution, "recordDelivery" | "recordRefund" | "netReceivable">;
}): EventConsumer<"order.delivered" | "order.refunded"> {
  const ctx = systemContext(DISTRIBUTION_BOOKKEEPER);
  return defineConsumer({
    name: DISTRIBUTION_BOOKKEEPER,
    types: ["order.delivered", "order.refunded"],
    startFrom: "now",
    async handle(event) {
      const { orderId } = event.payload;
      if (event.type === "order.refunded") return deps.distribution.recordRefund(ctx, { orderId });
      const order = await deps.orders.get(ctx, { orderId });
      const levels = pricingOf(order).chain?.levels ?? [];
      if (levels.length === 0) return;
      const userIds = levels.map((l) => l.userId);
      await deps.distribution.recordDelivery(ctx, {
        orderId,
        userIds,
        amount: order.total,
        deliveredAt: order.deliveredAt ?? event.createdAt,
      });
      for (const userId of userIds)
        await deps.distribution.netReceivable(ctx, { userId, currency: order.currency as Currency });
    },
  });
}
