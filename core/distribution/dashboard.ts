import { notFound, type CoreContext } from "../shared/index.ts";
import { DAY_MS, type DistributionDeps } from "./distribution-deps.ts";
import { userIdSchema } from "./distribution.schemas.ts";
import { distributorSql, tiersSql } from "./distribution.sql.ts";
import type { Distributor, Tier } from "./distribution.types.ts";
import { parseInput } from "./parse-input.ts";
import { salesFiguresSql, teamVolumesSql } from "./dashboard.sql.ts";

/** Delivered orders, what they sold for and the distributor's commission on them, over a window. */
export interface SalesFigures {
  orders: number;
  sales: bigint;
  commission: bigint;
}

export interface DistributorDashboard {
  distributor: Distributor;
  tier: Tier;
  /** Rolling delivered volume over the tier period (what tiers are judged on). */
  volume: bigint;
  /** The next tier up and what is still missing to reach it (null: the top tier); pinned tiers do not move. */
  next: { tier: Tier; remaining: bigint } | null;
  today: SalesFigures;
  week: SalesFigures;
}

export interface TeamMember {
  userId: string;
  tierId: string;
  joinedAt: Date;
  /** Rolling delivered volume over the tier period. */
  volume: bigint;
}

/**
 * What a distributor's screens show (docs/distribution.md "In chat"): its tier and the progress to the next,
 * today's and the week's sales and commission, and its team with each member's volume. `today` and `week` are
 * the starts of those windows in the distributor's own time zone (the caller knows it).
 */
export function dashboardOps(deps: DistributionDeps) {
  const { sql, clock } = deps;
  const periodMs = (deps.volumeDays ?? 30) * DAY_MS;

  return {
    async dashboard(
      _ctx: CoreContext,
      userId: string,
      windows: { today: Date; week: Date },
    ): Promise<DistributorDashboard> {
      const id = parseInput(userIdSchema, userId);
      const [distributor] = await sql.query<Distributor>(distributorSql(id));
      if (!distributor) throw notFound("distributor_not_found", "this user is not a distributor", { userId: id });
      const since = new Date(clock.now().getTime() - periodMs);
      const [tiers, [f]] = await Promise.all([
        sql.query<Tier>(tiersSql()),
        sql.query<Record<string, bigint | number>>(salesFiguresSql(id, since, windows.today, windows.week)),
      ]);
      const tier = tiers.find((t) => t.id === distributor.tierId)!;
      const volume = BigInt(f?.volume ?? 0);
      const up = tiers.find((t) => t.rank > tier.rank);
      const fig = (w: "today" | "week"): SalesFigures => ({
        orders: Number(f?.[`${w}Orders`] ?? 0),
        sales: BigInt(f?.[`${w}Sales`] ?? 0),
        commission: BigInt(f?.[`${w}Commission`] ?? 0),
      });
      return {
        distributor,
        tier,
        volume,
        next: up ? { tier: up, remaining: BigInt(up.upgradeAt) > volume ? BigInt(up.upgradeAt) - volume : 0n } : null,
        today: fig("today"),
        week: fig("week"),
      };
    },
    async teamVolumes(_ctx: CoreContext, l1: string): Promise<TeamMember[]> {
      const id = parseInput(userIdSchema, l1);
      const rows = await sql.query<TeamMember>(teamVolumesSql(id, new Date(clock.now().getTime() - periodMs)));
      return rows.map((r) => ({ ...r, volume: BigInt(r.volume) }));
    },
  };
}
