import { sql, type Sql } from "../shared/index.ts";

/**
 * Per supplier, its requests created since `since`: how many, succeeded, failed, still pending, and the
 * mean and 95th-percentile time from sending to the last update of the finished ones (the latency).
 */
export const supplierHealthSql = (since: Date): Sql => sql`
  SELECT r.supplier_id::text AS supplier_id,
         count(*)::int AS requests,
         count(*) FILTER (WHERE r.status = 'SUCCEEDED')::int AS succeeded,
         count(*) FILTER (WHERE r.status = 'FAILED')::int AS failed,
         count(*) FILTER (WHERE r.status = 'PENDING')::int AS pending,
         (avg(extract(epoch FROM r.updated_at - r.created_at) * 1000) FILTER (WHERE r.status <> 'PENDING'))::float8 AS mean_ms,
         (percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM r.updated_at - r.created_at) * 1000)
            FILTER (WHERE r.status <> 'PENDING'))::float8 AS p95_ms
  FROM supplier_requests r
  WHERE r.created_at >= ${since}::timestamptz
  GROUP BY r.supplier_id`;
