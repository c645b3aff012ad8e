import type { CoreContext, Currency } from "../shared/index.ts";
import { attributionOps } from "./attribution.ops.ts";
import { chainQuote, distributorPrices } from "./chain-quote.ts";
import { dashboardOps } from "./dashboard.ts";
import { plainBuyers } from "./plain-buyers.ts";
import type { DistributionDeps } from "./distribution-deps.ts";
import type { ChainQuote } from "./distribution.types.ts";
import { distributorOps } from "./distributors.ops.ts";
import { groupShopOps } from "./group-shops.ops.ts";
import { netReceivable } from "./receivables.ts";
import { referralCode } from "./referral-codes.ts";
import { shopOps } from "./shops.ops.ts";
import { tierProgress } from "./tier-progress.ts";

export type { DistributionDeps, DistributionLedgerPort } from "./distribution-deps.ts";

/**
 * The distributor economy's core (docs/distribution.md): tiers, distributors and their teams, shops and
 * their price rules, the price chain the order pipeline prices with, tier progress, receivables netting
 * and referral codes. Settlement itself is the orders' one posting (core/flows/settlement-posting.ts).
 */
export function createDistribution(deps: DistributionDeps) {
  const plain = plainBuyers(deps);
  const distributors = distributorOps(deps);
  const shops = shopOps(deps);
  const progress = tierProgress(deps);
  const groups = groupShopOps(deps);
  return {
    ...distributors,
    ...shops,
    ...groups,
    ...progress,
    ...attributionOps(deps),
    ...dashboardOps(deps),
    /** The chain and referral share for (product, shop?, buyer): the pipeline's price stage asks this. */
    async chainQuote(
      ctx: CoreContext,
      input: { productId: string; categoryId: string; retail: bigint; buyerUserId: string; shopId?: string | null },
    ): Promise<ChainQuote> {
      if (input.shopId) {
        const q = await chainQuote(deps, ctx, input);
        // Nobody earns on their own order: a buyer on the shop's own chain (its owner, or the owner's L1) is
        // priced as if it bought outside any shop (docs/distribution.md "Buying in a shop").
        if (!q.ok || !q.chain?.levels.some((l) => l.userId === input.buyerUserId)) return q;
      }
      const outside = { ...input, shopId: null };
      return plain.quote(ctx, outside, () => chainQuote(deps, ctx, outside));
    },
    prices: (_ctx: CoreContext, userId: string) => distributorPrices(deps, userId),
    referralCode: (ctx: CoreContext, userId: string) => referralCode(deps, ctx, userId),
    netReceivable: (ctx: CoreContext, input: { userId: string; currency: Currency }) => netReceivable(deps, ctx, input),
  };
}

export type Distribution = ReturnType<typeof createDistribution>;
