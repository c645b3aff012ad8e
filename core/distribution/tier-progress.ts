import { recordEvents } from "../events/index.ts";
import type { CoreContext } from "../shared/index.ts";
import { DAY_MS, type DistributionDeps } from "./distribution-deps.ts";
import {
  downgradeCandidatesSql,
  downgradeSql,
  lockDistributorsSql,
  markBelowSql,
  recordSalesSql,
  removeSalesSql,
  tiersSql,
  upgradeSql,
} from "./distribution.sql.ts";
import type { Tier } from "./distribution.types.ts";

export interface TierChange {
  userId: string;
  fromTier: string;
  toTier: string;
}

/**
 * Tier changes by rolling delivered volume (docs/distribution.md "Tiers"). An upgrade happens at the
 * delivery that crosses the threshold (`recordDelivery`, run for every delivered chain order); a downgrade
 * only after the volume stayed below the tier's threshold for a full period (`sweepDowngrades`, a scheduled
 * job): the first sweep below marks `below_since`, a later one a period after it steps down one tier, and
 * volume back above clears the mark — nobody flaps.
 */
export function tierProgress(deps: DistributionDeps) {
  const { sql, clock } = deps;
  const periodMs = (deps.volumeDays ?? 30) * DAY_MS;

  return {
    /**
     * Counts a delivered order for each distributor on its chain (once per order: keyed by it) and upgrades
     * those whose volume now reaches a higher tier — each change once, with its event, under the row lock.
     */
    async recordDelivery(
      _ctx: CoreContext,
      input: { orderId: string; userIds: string[]; amount: bigint; deliveredAt: Date },
    ): Promise<TierChange[]> {
      if (input.userIds.length === 0) return [];
      const now = clock.now();
      const since = new Date(now.getTime() - periodMs);
      return sql.transaction(async (tx) => {
        await tx.query(lockDistributorsSql(input.userIds));
        await tx.execute(recordSalesSql(input.orderId, input.userIds, input.amount, input.deliveredAt));
        const changes: TierChange[] = [];
        for (const userId of input.userIds) {
          const [up] = await tx.query<{ fromTier: string; toTier: string }>(upgradeSql(userId, since, now));
          if (up) changes.push({ userId, ...up });
        }
        await recordEvents(
          tx,
          changes.map((c) => ({
            type: "distributor.tier_changed" as const,
            payload: { ...c, reason: "upgrade" as const },
          })),
        );
        return changes;
      });
    },

    /** A refunded order no longer counts towards anyone's volume. */
    async recordRefund(_ctx: CoreContext, input: { orderId: string }): Promise<void> {
      await sql.execute(removeSalesSql(input.orderId));
    },

    async sweepDowngrades(_ctx: CoreContext, opts: { limit?: number } = {}): Promise<TierChange[]> {
      const now = clock.now();
      const since = new Date(now.getTime() - periodMs);
      const tiers = await sql.query<Tier>(tiersSql());
      const below = (rank: number) => [...tiers].reverse().find((t) => t.rank < rank);
      const rows = await sql.query<{
        userId: string;
        tierId: string;
        belowSince: Date | null;
        rank: number;
        upgradeAt: bigint;
        volume: bigint;
      }>(downgradeCandidatesSql(since, Math.max(1, Math.min(10_000, opts.limit ?? 1000))));
      const changes: TierChange[] = [];
      for (const r of rows) {
        const under = BigInt(r.volume) < BigInt(r.upgradeAt);
        if (!under) {
          if (r.belowSince) await sql.execute(markBelowSql(r.userId, r.tierId, null));
          continue;
        }
        if (!r.belowSince) {
          await sql.execute(markBelowSql(r.userId, r.tierId, now));
          continue;
        }
        const lower = below(r.rank);
        if (!lower || now.getTime() - new Date(r.belowSince).getTime() < periodMs) continue;
        const change = await sql.transaction(async (tx) => {
          const [moved] = await tx.query(downgradeSql(r.userId, r.tierId, lower.id, now));
          if (!moved) return null;
          const c = { userId: r.userId, fromTier: r.tierId, toTier: lower.id };
          await recordEvents(tx, [{ type: "distributor.tier_changed", payload: { ...c, reason: "downgrade" } }]);
          return c;
        });
        if (change) changes.push(change);
      }
      return changes;
    },
  };
}
