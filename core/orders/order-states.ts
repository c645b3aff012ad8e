/**
 * The order state machine as one table. Every status change goes through `transition()` in
 * order-store.ts, which checks a path against this table and applies it as one conditional
 * UPDATE (`WHERE id = $1 AND status = ANY($from)`), so an invalid or a concurrent second transition
 * changes nothing.
 */
import { ORDER_STATUSES, type OrderStatus } from "../shared/order-statuses.ts";

export { ORDER_STATUSES, type OrderStatus };

export const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  CREATED: ["PAID", "EXPIRED", "CANCELLED", "HELD_FOR_REVIEW"],
  PAID: ["FULFILLING"],
  FULFILLING: ["DELIVERED", "FAILED"],
  FAILED: ["REFUNDED"],
  // Only a staff refund (the orders facade's `refund`): the delivered codes are burned, the money returned.
  DELIVERED: ["REFUNDED"],
  REFUNDED: [],
  EXPIRED: [],
  CANCELLED: [],
  // A risk review: approved → PAID (fulfilment continues), rejected or not decided in time → REFUNDED.
  HELD_FOR_REVIEW: ["PAID", "REFUNDED"],
};

/** Statuses the pipeline never moves an order out of (a DELIVERED order leaves only by a staff refund). */
export const TERMINAL_STATUSES: readonly OrderStatus[] = ORDER_STATUSES.filter(
  (s) => TRANSITIONS[s].length === 0 || s === "DELIVERED",
);

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** `true` when each consecutive pair of `path` is an allowed transition. */
export function isValidPath(path: readonly OrderStatus[]): boolean {
  if (path.length < 2) return false;
  for (let i = 1; i < path.length; i++) if (!canTransition(path[i - 1]!, path[i]!)) return false;
  return true;
}

/** The outbox event type published when an order enters `status`. */
export function eventTypeFor(status: OrderStatus): `order.${Lowercase<OrderStatus>}` {
  return `order.${status.toLowerCase() as Lowercase<OrderStatus>}`;
}

export function isOrderStatus(s: string): s is OrderStatus {
  return (ORDER_STATUSES as readonly string[]).includes(s);
}
