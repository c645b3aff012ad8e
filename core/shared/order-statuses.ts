/**
 * The statuses an order can be in: part of the shared vocabulary (the event catalog, the API, the bots);
 * the transitions between them are the orders module's (core/orders/order-states.ts).
 */
export const ORDER_STATUSES = [
  "CREATED",
  "PAID",
  "FULFILLING",
  "DELIVERED",
  "FAILED",
  "REFUNDED",
  "EXPIRED",
  "CANCELLED",
  /** Paid into escrow, held until staff decide (a risk `review`): approved → PAID, rejected → REFUNDED. */
  "HELD_FOR_REVIEW",
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
