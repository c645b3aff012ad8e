import { createAudit } from "../../core/audit/index.ts";
import {
  createRisk,
  InMemoryRiskCounters,
  type BuyerProfile,
  type HistoricalOrder,
  type Risk,
  type RiskCounters,
} from "../../core/risk/index.ts";
import { sql as q, systemContext, type Clock, type CoreContext, type SqlRunner } from "../../core/shared/index.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";

/**
 * The risk engine as the composition root builds it (docs/risk.md): counters on Redis with REDIS_URL
 * (shared by every process), in process memory otherwise; the buyer profile and the backtest's history
 * read from users and orders here, so core/risk reads no other module's tables.
 */
export async function buildRisk(deps: {
  config: Pick<Config, "REDIS_URL" | "REDIS_PREFIX" | "RISK_CACHE_MS" | "NODE_ENV">;
  sql: SqlRunner;
  clock: Clock;
  logger: Logger;
  counters?: RiskCounters;
  /** The buyer's real-name status (core/kyc). */
  kycStatus?: (ctx: CoreContext, userId: string) => Promise<string>;
}): Promise<{ risk: Risk; counters: RiskCounters }> {
  let counters = deps.counters;
  if (!counters && deps.config.REDIS_URL) {
    const { Redis } = await import("ioredis");
    const { RedisRiskCounters } = await import("./redis-risk-counters.ts");
    counters = new RedisRiskCounters(
      // Decisions of concurrent orders leave in one write (ioredis sends the commands of a tick together).
      new Redis(deps.config.REDIS_URL, { maxRetriesPerRequest: 2, enableAutoPipelining: true }),
      deps.config.REDIS_PREFIX,
      true,
    );
  }
  if (!counters) {
    counters = new InMemoryRiskCounters();
    if (deps.config.NODE_ENV === "production")
      deps.logger.warn("risk counters are in this process's memory (set REDIS_URL to share them between processes)");
  }
  const risk = createRisk({
    sql: deps.sql,
    clock: deps.clock,
    counters,
    audit: createAudit({ sql: deps.sql, clock: deps.clock }),
    cacheMs: deps.config.RISK_CACHE_MS,
    buyers: (_ctx, userId) => buyerProfile(deps.sql, userId),
    failedPayments: (_ctx, input) => failedPayments(deps.sql, input),
    history: (_ctx, input) => orderHistory(deps.sql, input),
    ...(deps.kycStatus ? { kycStatus: deps.kycStatus } : {}),
  });
  await risk.seedDefaults(systemContext("startup"));
  return { risk, counters };
}

/** The buyer's account, orders and distributor tier (core/distribution's table), in one statement. */
async function buyerProfile(sql: SqlRunner, userId: string): Promise<BuyerProfile | null> {
  const [row] = await sql.query<{
    createdAt: Date;
    orderCount: number;
    placed: boolean;
    spend: string;
    tier: string | null;
    tierRank: number | null;
  }>(q`
    SELECT u.created_at AS "createdAt",
           (SELECT count(*)::int FROM orders o WHERE o.user_id = u.id AND o.status = 'DELIVERED') AS "orderCount",
           EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id) AS placed,
           (SELECT coalesce(sum(o.total), 0)::text FROM orders o WHERE o.user_id = u.id AND o.status = 'DELIVERED') AS spend,
           d.tier_id AS tier, t.rank AS "tierRank"
    FROM users u
    LEFT JOIN distributors d ON d.user_id = u.id
    LEFT JOIN distribution_tiers t ON t.id = d.tier_id
    WHERE u.id = ${userId}::uuid`);
  return row
    ? {
        createdAt: row.createdAt,
        orderCount: row.orderCount,
        firstOrder: !row.placed,
        lifetimeSpend: BigInt(row.spend),
        tier: row.tier,
        tierRank: row.tierRank ?? 0,
      }
    : null;
}

async function failedPayments(sql: SqlRunner, input: { userId: string; from: Date; to: Date }): Promise<number> {
  const [row] = await sql.query<{ n: number }>(q`
    SELECT count(*)::int AS n FROM payments
    WHERE user_id = ${input.userId}::uuid AND status = 'FAILED'
      AND updated_at > ${input.from}::timestamptz AND updated_at <= ${input.to}::timestamptz`);
  return row?.n ?? 0;
}

async function orderHistory(
  sql: SqlRunner,
  input: { from: Date; to: Date; limit: number },
): Promise<HistoricalOrder[]> {
  const rows = await sql.query<Omit<HistoricalOrder, "total"> & { total: bigint }>(q`
    SELECT o.id::text AS id, o.user_id::text AS "userId", o.channel, o.product_id::text AS "productId",
           p.category_id::text AS "categoryId", o.quantity, o.total, o.currency, o.target,
           o.created_at AS "createdAt", u.created_at AS "buyerCreatedAt",
           d.tier_id AS "buyerTier", coalesce(t.rank, 0) AS "buyerTierRank"
    FROM orders o JOIN users u ON u.id = o.user_id LEFT JOIN products p ON p.id = o.product_id
    LEFT JOIN distributors d ON d.user_id = o.user_id LEFT JOIN distribution_tiers t ON t.id = d.tier_id
    WHERE o.created_at >= ${input.from}::timestamptz AND o.created_at < ${input.to}::timestamptz
    ORDER BY o.created_at, o.id LIMIT ${input.limit}::int`);
  return rows.map((r) => ({ ...r, total: BigInt(r.total) }));
}
