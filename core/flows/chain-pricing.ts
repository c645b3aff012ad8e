import type { PriceBreakdown, PriceChain, ReferralShare } from "../orders/index.ts";

/**
 * The breakdown of a sale through the distributor chain: after the retail line, one line per level's cost
 * and a last line for the price the buyer pays (the last level's sale price); the chain and the referral
 * share ride along, so settlement posts from them. No chain: the retail breakdown (with the referral).
 */
export function chainPricing(
  retail: PriceBreakdown,
  chain: PriceChain | null,
  referral: ReferralShare | null,
): PriceBreakdown {
  const withReferral = referral ? { referral } : {};
  if (!chain) return { ...retail, ...withReferral };
  const q = BigInt(retail.quantity);
  const last = chain.levels[chain.levels.length - 1]!;
  const unitPrice = last.unitSale;
  return {
    ...retail,
    unitPrice,
    total: unitPrice * q,
    lines: [
      ...retail.lines,
      ...chain.levels.map((l) => ({
        source: `chain:L${l.level}:cost`,
        unitAmount: l.unitCost,
        amount: l.unitCost * q,
      })),
      {
        source: chain.shopId ? `shop:${chain.shopId}` : `distributor:L${last.level}`,
        unitAmount: unitPrice,
        amount: unitPrice * q,
      },
    ],
    chain,
    ...withReferral,
  };
}
