import { sql } from "../shared/index.ts";

/**
 * A distributor's delivered sales and commission since `today`, since `week`, and its rolling volume since
 * `since` — in one statement over its `distributor_sales` rows (refunded orders are gone from them). The
 * commission is its own level's `(unitSale − unitCost) × quantity` in the order's stored breakdown.
 */
export const salesFiguresSql = (userId: string, since: Date, today: Date, week: Date) => sql`
  WITH s AS (
    SELECT s.amount, s.delivered_at,
      COALESCE((SELECT sum(((l->>'unitSale')::bigint - (l->>'unitCost')::bigint) * o.quantity)
                FROM jsonb_array_elements(o.pricing->'chain'->'levels') l
                WHERE l->>'userId' = ${userId}::text), 0)::bigint AS commission
    FROM distributor_sales s JOIN orders o ON o.id = s.order_id
    WHERE s.user_id = ${userId}::uuid AND s.delivered_at > LEAST(${since}::timestamptz, ${week}::timestamptz)
  )
  SELECT
    COALESCE(sum(amount) FILTER (WHERE delivered_at > ${since}::timestamptz), 0)::bigint AS volume,
    count(*) FILTER (WHERE delivered_at >= ${today}::timestamptz)::int AS "todayOrders",
    COALESCE(sum(amount) FILTER (WHERE delivered_at >= ${today}::timestamptz), 0)::bigint AS "todaySales",
    COALESCE(sum(commission) FILTER (WHERE delivered_at >= ${today}::timestamptz), 0)::bigint AS "todayCommission",
    count(*) FILTER (WHERE delivered_at >= ${week}::timestamptz)::int AS "weekOrders",
    COALESCE(sum(amount) FILTER (WHERE delivered_at >= ${week}::timestamptz), 0)::bigint AS "weekSales",
    COALESCE(sum(commission) FILTER (WHERE delivered_at >= ${week}::timestamptz), 0)::bigint AS "weekCommission"
  FROM s`;

/** An L1's team (its L2s) with each one's rolling delivered volume since `since`. */
export const teamVolumesSql = (l1: string, since: Date) => sql`
  SELECT d.user_id::text AS "userId", d.tier_id AS "tierId", d.created_at AS "joinedAt",
    COALESCE((SELECT sum(s.amount) FROM distributor_sales s
              WHERE s.user_id = d.user_id AND s.delivered_at > ${since}::timestamptz), 0)::bigint AS volume
  FROM distributors d WHERE d.parent_id = ${l1}::uuid ORDER BY d.created_at, d.user_id`;
