import { invalidData } from "../shared/index.ts";
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
}

export function encodePricing(p: PriceBreakdown): StoredPricing {
  return {
    v: 1,
    currency: p.currency,
    quantity: p.quantity,
    unitPrice: p.unitPrice.toString(),
    total: p.total.toString(),
    lines: p.lines.map((l) => ({ source: l.source, unitAmount: l.unitAmount.toString(), amount: l.amount.toString() })),
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
  };
  if (p.total !== order.total || p.currency !== order.currency || p.quantity !== order.quantity)
    throw invalidData("pricing_mismatch", "the order's stored price breakdown does not match its amounts");
  return p;
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
