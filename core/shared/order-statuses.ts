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
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
