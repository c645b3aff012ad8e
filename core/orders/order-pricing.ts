import { invalidData, type PriceChain, type ReferralShare } from "../shared/index.ts";

export type { ChainLevel, PriceChain, ReferralShare } from "../shared/index.ts";
import type { Order } from "./types.ts";

/**
 * An order's price breakdown: computed once at placement by the pipeline's price stage, stored on the
 * order (`orders.pricing`), never recomputed; the settlement posting is built from it. Each line is a
 * component in the order it was applied: today only the retail price; a distributor's price chain,
 * discounts and commissions become lines of their own.
 */
export interface PriceBreakdown {
  currency: string;
  quantity: number;
  /** What the buyer pays per unit and in all (the last line's result). */
  unitPrice: bigint;
  total: bigint;
  lines: PriceLine[];
  /**
   * The distributor price chain the price went through (docs/distribution.md): each level's unit cost and
   * unit sale price, level 1 first; the last level's sale price is `unitPrice`, and each level sells at the
   * next one's cost. The platform sells at level 1's cost; each level earns (sale − cost) × quantity.
   */
  chain?: PriceChain;
  /** A referral reward this order funds from the platform's margin (`bps` of it), to the referrer's wallet. */
  referral?: ReferralShare;
}

/** A component of the price: `source` names what set it ("retail", or the catalog price rule that applied). */
export interface PriceLine {
  source: string;
  unitAmount: bigint;
  amount: bigint;
}

/** The breakdown as stored (jsonb: amounts as decimal strings, since JSON numbers cannot carry bigints). */
export interface StoredPricing {
  v: 1;
  currency: string;
  quantity: number;
  unitPrice: string;
  total: string;
  lines: Array<{ source: string; unitAmount: string; amount: string }>;
  chain?: {
    retailUnit: string;
    shopId: string | null;
    levels: Array<{ level: 1 | 2; userId: string; unitCost: string; unitSale: string }>;
  };
  referral?: ReferralShare;
}

export function encodePricing(p: PriceBreakdown): StoredPricing {
  return {
    v: 1,
    currency: p.currency,
    quantity: p.quantity,
    unitPrice: p.unitPrice.toString(),
    total: p.total.toString(),
    lines: p.lines.map((l) => ({ source: l.source, unitAmount: l.unitAmount.toString(), amount: l.amount.toString() })),
    ...(p.chain
      ? {
          chain: {
            retailUnit: p.chain.retailUnit.toString(),
            shopId: p.chain.shopId,
            levels: p.chain.levels.map((l) => ({
              level: l.level,
              userId: l.userId,
              unitCost: l.unitCost.toString(),
              unitSale: l.unitSale.toString(),
            })),
          },
        }
      : {}),
    ...(p.referral ? { referral: { referrerUserId: p.referral.referrerUserId, bps: p.referral.bps } } : {}),
  };
}

/**
 * The order's breakdown: the stored one, or — for an order placed before breakdowns were stored — its
 * retail price. A stored breakdown that disagrees with the order's own amounts is refused, never used.
 */
export function pricingOf(
  order: Pick<Order, "pricing" | "currency" | "quantity" | "unitPrice" | "total">,
): PriceBreakdown {
  const s = order.pricing;
  if (!s) return retailPricing(order);
  const p: PriceBreakdown = {
    currency: s.currency,
    quantity: s.quantity,
    unitPrice: BigInt(s.unitPrice),
    total: BigInt(s.total),
    lines: s.lines.map((l) => ({ source: l.source, unitAmount: BigInt(l.unitAmount), amount: BigInt(l.amount) })),
    ...(s.chain
      ? {
          chain: {
            retailUnit: BigInt(s.chain.retailUnit),
            shopId: s.chain.shopId,
            levels: s.chain.levels.map((l) => ({
              level: l.level,
              userId: l.userId,
              unitCost: BigInt(l.unitCost),
              unitSale: BigInt(l.unitSale),
            })),
          },
        }
      : {}),
    ...(s.referral ? { referral: s.referral } : {}),
  };
  if (p.total !== order.total || p.currency !== order.currency || p.quantity !== order.quantity)
    throw invalidData("pricing_mismatch", "the order's stored price breakdown does not match its amounts");
  if (p.chain && !chainAddsUp(p.chain, p.unitPrice))
    throw invalidData("pricing_mismatch", "the order's stored price chain does not add up to its price");
  return p;
}

/**
 * A chain adds up when every level earns ≥ 0, each level sells at the next one's cost, and the last sells
 * at the buyer's unit price: then level 1's cost + every level's earnings = the price, to the unit.
 */
export function chainAddsUp(chain: PriceChain, unitPrice: bigint): boolean {
  const { levels } = chain;
  if (levels.length === 0 || levels.length > 2) return false;
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i]!;
    if (l.level !== i + 1 || l.unitCost < 0n || l.unitSale < l.unitCost) return false;
    const next = levels[i + 1];
    if (next && next.unitCost !== l.unitSale) return false;
  }
  return levels[levels.length - 1]!.unitSale === unitPrice;
}

/** The breakdown of a sale at one price (`source`: "retail", or the price rule that set it). */
export function retailPricing(
  q: { currency: string; quantity: number; unitPrice: bigint; total: bigint },
  source = "retail",
): PriceBreakdown {
  return {
    currency: q.currency,
    quantity: q.quantity,
    unitPrice: q.unitPrice,
    total: q.total,
    lines: [{ source, unitAmount: q.unitPrice, amount: q.total }],
  };
}
