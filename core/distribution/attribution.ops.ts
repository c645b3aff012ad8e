import type { CoreContext } from "../shared/index.ts";
import type { DistributionDeps } from "./distribution-deps.ts";
import { attributedShopSql, attributeSql } from "./distribution.sql.ts";
import type { DistributorShop } from "./distribution.types.ts";

/**
 * First-touch attribution (docs/distribution.md "Buying in a shop"): a buyer belongs to the first shop whose
 * link they opened; later links never move them. A purchase outside any shop goes to that shop.
 */
export function attributionOps(deps: Pick<DistributionDeps, "sql" | "clock">) {
  return {
    /** Records `shopId` as the buyer's shop if they have none yet; the shop they belong to after the call. */
    async attribute(
      _ctx: CoreContext,
      input: { userId: string; shopId: string },
    ): Promise<{ shop: DistributorShop | null; created: boolean }> {
      const [row] = await deps.sql.query<{ shopId: string }>(
        attributeSql(input.userId, input.shopId, deps.clock.now()),
      );
      const [shop] = await deps.sql.query<DistributorShop>(attributedShopSql(input.userId));
      return { shop: shop ?? null, created: row !== undefined };
    },
    /** The shop the buyer is attributed to (null: none, or it was removed). */
    async attributedShop(_ctx: CoreContext, userId: string): Promise<DistributorShop | null> {
      const [shop] = await deps.sql.query<DistributorShop>(attributedShopSql(userId));
      return shop ?? null;
    },
  };
}
