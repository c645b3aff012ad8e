import type { ReferralShare } from "../shared/index.ts";
import { invalidData, type CoreContext } from "../shared/index.ts";
import { DAY_MS, type DistributionDeps } from "./distribution-deps.ts";
import { chainFactsSql, pricesSql } from "./distribution.sql.ts";
import type { ChainQuote, DistributorPrice } from "./distribution.types.ts";
import { chainLevels, pickRule, priceChain, tierCost, type ChainParty, type RuleMode } from "./price-chain.ts";

/** The one row `chainFactsSql` answers: the seller (a shop's owner, or the buyer) and its L1, with their rules. */
export interface ChainFactsRow {
  shopFound: number;
  referredBy: string | null;
  referredAt: Date | null;
  userId: string | null;
  parentId: string | null;
  discountBps: number | null;
  tierPrice: bigint | null;
  parentDiscountBps: number | null;
  parentTierPrice: bigint | null;
  rules: Array<{ scope: "SHOP" | "TEAM"; target: string; mode: RuleMode; value: string }> | null;
}

const rulesOf = (row: ChainFactsRow, scope: "SHOP" | "TEAM") =>
  (row.rules ?? []).filter((r) => r.scope === scope).map((r) => ({ ...r, value: BigInt(r.value) }));

/** The seller as a chain party (null when the seller is not a distributor). */
export function partyOf(row: ChainFactsRow, productId: string, categoryId: string, retail: bigint): ChainParty | null {
  if (!row.userId || row.discountBps === null) return null;
  const own = tierCost(retail, row.discountBps, row.tierPrice === null ? null : BigInt(row.tierPrice));
  const parent =
    row.parentId && row.parentDiscountBps !== null
      ? {
          userId: row.parentId,
          tierCost: tierCost(
            retail,
            row.parentDiscountBps,
            row.parentTierPrice === null ? null : BigInt(row.parentTierPrice),
          ),
          teamRule: pickRule(rulesOf(row, "TEAM"), productId, categoryId),
        }
      : null;
  return { userId: row.userId, tierCost: own, parent };
}

/**
 * The price chain and referral share for (product, shop?, buyer), evaluated now (docs/distribution.md):
 * in a shop, the shop's sale price over its owner's cost; a distributor buying for itself (no shop) pays
 * its own cost; anyone else pays retail (no chain). One statement.
 */
export async function chainQuote(
  deps: DistributionDeps,
  _ctx: CoreContext,
  input: { productId: string; categoryId: string; retail: bigint; buyerUserId: string; shopId?: string | null },
): Promise<ChainQuote> {
  const shopId = input.shopId ?? null;
  const [row] = await deps.sql.query<ChainFactsRow>(
    chainFactsSql(input.buyerUserId, shopId, input.productId, input.categoryId),
  );
  if (!row) throw new Error("the chain facts statement answered no row");
  if (shopId && row.shopFound === 0) return { ok: false, code: "shop_not_found" };
  const party = partyOf(row, input.productId, input.categoryId, input.retail);
  const saleRule = shopId ? pickRule(rulesOf(row, "SHOP"), input.productId, input.categoryId) : undefined;
  const chain = party ? priceChain(party, input.retail, saleRule, deps.maxOverRetailBps, shopId) : null;
  return { ok: true, chain, referral: referralShare(deps, row, input.buyerUserId) };
}

function referralShare(deps: DistributionDeps, row: ChainFactsRow, buyer: string): ReferralShare | null {
  const { bps, periodDays } = deps.referral;
  if (bps <= 0 || !row.referredBy || !row.referredAt || row.referredBy === buyer) return null;
  const until = new Date(row.referredAt).getTime() + periodDays * DAY_MS;
  if (deps.clock.now().getTime() >= until) return null;
  return { referrerUserId: row.referredBy, bps };
}

/**
 * A user's own price for every active product (`GET /v1/prices`): a distributor's what it pays buying for
 * itself (an L2's its L1's team price), anyone else's retail.
 */
export async function distributorPrices(deps: DistributionDeps, userId: string): Promise<DistributorPrice[]> {
  const rows = await deps.sql.query<{
    productId: string;
    sku: string;
    currency: string;
    retail: bigint;
    categoryId: string;
    discountBps: number | null;
    tierPrice: bigint | null;
    parentDiscountBps: number | null;
    parentTierPrice: bigint | null;
    parentId: string | null;
    rules: ChainFactsRow["rules"];
  }>(pricesSql(userId));
  return rows.map((r) => {
    const retail = BigInt(r.retail);
    const party = partyOf(
      { shopFound: 0, referredBy: null, referredAt: null, userId, ...r },
      r.productId,
      r.categoryId,
      retail,
    );
    // Not a distributor: retail.
    const price = party ? chainLevels(party, retail, undefined, null).at(-1)!.unitSale : retail;
    return { productId: r.productId, sku: r.sku, currency: r.currency.trim(), retail, price };
  });
}

export const badShop = () => invalidData("shop_not_found", "no such shop");
