import type { AlertSignal } from "../alerts.types.ts";

export interface ProductStock {
  productId: string;
  sku: string;
  /** Codes that can be sold now. */
  available: number;
  /** Codes sold over the last `days` days. */
  soldRecently: number;
}

export interface LowStockRule {
  /** Alert below this many days of cover (at the recent sales rate). */
  minDaysOfCover: number;
  /** …or below this many codes, whatever the sales. */
  floor: number;
  /** The sales window `soldRecently` covers. */
  days: number;
}

/** Days the stock lasts at the recent sales rate; null when nothing sold (no rate to divide by). */
export function daysOfCover(available: number, soldRecently: number, days: number): number | null {
  if (soldRecently <= 0) return null;
  return available / (soldRecently / days);
}

/** Code products whose stock is under the floor or lasts fewer days than the rule wants. */
export function lowStockSignals(products: readonly ProductStock[], rule: LowStockRule): AlertSignal[] {
  const out: AlertSignal[] = [];
  for (const p of products) {
    const cover = daysOfCover(p.available, p.soldRecently, rule.days);
    const short = p.available < rule.floor || (cover !== null && cover < rule.minDaysOfCover);
    if (!short) continue;
    out.push({
      subject: `low_stock:${p.productId}`,
      kind: "low_stock",
      severity: p.available === 0 ? "critical" : "warning",
      details: {
        productId: p.productId,
        sku: p.sku,
        available: p.available,
        daysOfCover: cover === null ? null : Math.round(cover * 10) / 10,
        floor: rule.floor,
        minDaysOfCover: rule.minDaysOfCover,
      },
    });
  }
  return out;
}
