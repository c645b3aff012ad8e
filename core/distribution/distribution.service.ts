import type { CoreContext, Currency } from "../shared/index.ts";
import { chainQuote, distributorPrices } from "./chain-quote.ts";
import { dashboardOps } from "./dashboard.ts";
import { plainBuyers } from "./plain-buyers.ts";
import type { DistributionDeps } from "./distribution-deps.ts";
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
    ...dashboardOps(deps),
    /** The chain and referral share for (product, shop?, buyer): the pipeline's price stage asks this. */
    chainQuote: (
      ctx: CoreContext,
      input: { productId: string; categoryId: string; retail: bigint; buyerUserId: string; shopId?: string | null },
    ) => plain.quote(ctx, input, () => chainQuote(deps, ctx, input)),
    prices: (_ctx: CoreContext, userId: string) => distributorPrices(deps, userId),
    referralCode: (ctx: CoreContext, userId: string) => referralCode(deps, ctx, userId),
    netReceivable: (ctx: CoreContext, input: { userId: string; currency: Currency }) => netReceivable(deps, ctx, input),
  };
}

export type Distribution = ReturnType<typeof createDistribution>;
