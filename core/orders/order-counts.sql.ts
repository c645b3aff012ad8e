import { sql, type Sql } from "../shared/index.ts";
import { ORDER_STATUSES, TERMINAL_STATUSES } from "./order-states.ts";

/** Statuses an order leaves again (not terminal): few rows at any time, found through `orders_status_expires_at_idx`. */
export const liveOrderStatuses = (): string[] => ORDER_STATUSES.filter((s) => !TERMINAL_STATUSES.includes(s));

/**
 * Orders per (status, channel), for `/metrics` (the app runs them at scrape time, cached). `live`: only the
 * statuses orders pass through (cheap, indexed); otherwise every order (one aggregate over the table:
 * ~0.5 s per million orders here, so the app refreshes it rarely).
 */
export const orderCountsSql = (scope: "live" | "all"): Sql =>
  scope === "live"
    ? sql`SELECT status, channel, count(*)::bigint AS n FROM orders
        WHERE status = ANY(${liveOrderStatuses()}::text[]) GROUP BY status, channel`
    : sql`SELECT status, channel, count(*)::bigint AS n FROM orders GROUP BY status, channel`;
