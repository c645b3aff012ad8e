import { sql, type Sql } from "../shared/index.ts";

/**
 * Figures over a time range for the staff reports and alerts (the app runs them: core/reports and the alert
 * sweep take them through ports). Full scans of the range's orders: on-demand reports and a periodic check.
 * A failure is an order refunded or failed with a reason that is not a staff refund's.
 */
const failed = sql`o.status IN ('REFUNDED', 'FAILED') AND o.failure_reason IS NOT NULL
  AND NOT starts_with(o.failure_reason, 'staff refund:')`;

/** Per currency: orders placed and paid, delivered revenue and supplier cost, failures, refunds. */
export const orderTotalsSql = (from: Date, to: Date): Sql => sql`
  SELECT o.currency,
         count(*) FILTER (WHERE o.created_at >= ${from}::timestamptz AND o.created_at < ${to}::timestamptz)::int AS placed,
         count(*) FILTER (WHERE o.paid_at >= ${from}::timestamptz AND o.paid_at < ${to}::timestamptz)::int AS paid,
         count(*) FILTER (WHERE o.status = 'DELIVERED' AND o.delivered_at >= ${from}::timestamptz AND o.delivered_at < ${to}::timestamptz)::int AS delivered,
         COALESCE(sum(o.total) FILTER (WHERE o.status = 'DELIVERED' AND o.delivered_at >= ${from}::timestamptz AND o.delivered_at < ${to}::timestamptz), 0)::bigint AS revenue,
         COALESCE(sum(COALESCE(o.cost_total, 0)) FILTER (WHERE o.status = 'DELIVERED' AND o.delivered_at >= ${from}::timestamptz AND o.delivered_at < ${to}::timestamptz), 0)::bigint AS cost,
         count(*) FILTER (WHERE ${failed} AND o.closed_at >= ${from}::timestamptz AND o.closed_at < ${to}::timestamptz)::int AS failed,
         count(*) FILTER (WHERE o.status = 'REFUNDED' AND o.closed_at >= ${from}::timestamptz AND o.closed_at < ${to}::timestamptz)::int AS refunded,
         COALESCE(sum(o.total) FILTER (WHERE o.status = 'REFUNDED' AND o.closed_at >= ${from}::timestamptz AND o.closed_at < ${to}::timestamptz), 0)::bigint AS refunded_total
  FROM orders o
  WHERE o.created_at >= ${from}::timestamptz - interval '31 days' AND o.created_at < ${to}::timestamptz
  GROUP BY o.currency ORDER BY o.currency`;

/** Delivered units and revenue per product in the range, best first. */
export const topProductsSql = (from: Date, to: Date, limit: number): Sql => sql`
  SELECT o.product_id::text AS product_id, o.currency, sum(o.quantity)::int AS units, sum(o.total)::bigint AS revenue
  FROM orders o
  WHERE o.status = 'DELIVERED' AND o.delivered_at >= ${from}::timestamptz AND o.delivered_at < ${to}::timestamptz
  GROUP BY o.product_id, o.currency ORDER BY revenue DESC, units DESC, o.product_id LIMIT ${limit}::int`;

/** Units delivered per product since `since` (the sales rate behind days of cover); one product's when given. */
export const unitsSoldSinceSql = (since: Date, productId?: string): Sql => sql`
  SELECT o.product_id::text AS product_id, sum(o.quantity)::int AS units
  FROM orders o WHERE o.status = 'DELIVERED' AND o.delivered_at >= ${since}::timestamptz
    AND (${productId ?? null}::uuid IS NULL OR o.product_id = ${productId ?? null}::uuid)
  GROUP BY o.product_id`;

/** The alert window: orders that finished (delivered, failed, refunded) since `since`, the failed, the refunded. */
export const orderHealthSql = (since: Date): Sql => sql`
  SELECT count(*) FILTER (WHERE (o.status = 'DELIVERED' AND o.delivered_at >= ${since}::timestamptz)
                            OR (o.status IN ('REFUNDED', 'FAILED') AND o.closed_at >= ${since}::timestamptz))::int AS finished,
         count(*) FILTER (WHERE ${failed} AND o.closed_at >= ${since}::timestamptz)::int AS failed,
         count(*) FILTER (WHERE o.status = 'REFUNDED' AND o.closed_at >= ${since}::timestamptz)::int AS refunded
  FROM orders o WHERE o.updated_at >= ${since}::timestamptz`;

/**
 * Orders in `status` (the backorder state, AWAITING_STOCK, once it exists) since before `olderThan`: how many,
 * and the oldest's paid time. Zero rows match a status no order has.
 */
export const waitingOrdersSql = (status: string, olderThan: Date): Sql => sql`
  SELECT count(*)::int AS n, min(COALESCE(o.paid_at, o.created_at)) AS oldest
  FROM orders o WHERE o.status = ${status}::text AND COALESCE(o.paid_at, o.created_at) < ${olderThan}::timestamptz`;
