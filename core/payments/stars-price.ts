import { CURRENCIES, invalidData, type Currency } from "../shared/index.ts";

/**
 * Stars prices for orders priced in another currency. A rate is "Stars per one major unit" (per yuan for
 * CNY) as a decimal string, so it is exact: the Stars price is the order's total at that rate, rounded
 * up to a whole Star, computed in integers (never floating point).
 */

/** Default `STARS_PER_CNY`: about what Telegram pays a bot out per Star (≈ $0.013), so a Stars sale earns about its CNY price. */
export const DEFAULT_STARS_PER_CNY = "11";

/** Stars per major unit of each currency Stars may pay for (XTR itself is always 1:1). */
export type StarsRates = Partial<Record<Exclude<Currency, "XTR">, string>>;

const RATE = /^(\d{1,6})(?:\.(\d{1,6}))?$/;

/** A rate as an exact fraction; throws invalid_data for anything but a positive decimal (at most 6 + 6 digits). */
export function parseStarsRate(rate: string): { num: bigint; den: bigint } {
  const m = RATE.exec(rate);
  const num = m ? BigInt(`${m[1]}${m[2] ?? ""}`) : 0n;
  if (!m || num <= 0n)
    throw invalidData("invalid_stars_rate", `a Stars rate is a positive decimal like "11" or "10.5", not "${rate}"`);
  return { num, den: 10n ** BigInt(m[2]?.length ?? 0) };
}

export interface StarsQuote {
  /** Whole Stars to charge. */
  stars: bigint;
  /** The rate used ("1" for XTR). */
  rate: string;
}

/**
 * The Stars price of `amount` minor units of `currency` at the configured rates, rounded up to a whole Star;
 * null when no rate is configured for that currency (Stars are then not offered).
 */
export function starsPrice(amount: bigint, currency: Currency, rates: StarsRates): StarsQuote | null {
  if (amount <= 0n) throw invalidData("invalid_amount", "a Stars price is for a positive amount");
  if (currency === "XTR") return { stars: amount, rate: "1" };
  const rate = rates[currency];
  if (rate === undefined) return null;
  const { num, den } = parseStarsRate(rate);
  const divisor = den * 10n ** BigInt(CURRENCIES[currency].minorDigits);
  const scaled = amount * num;
  return { stars: (scaled + divisor - 1n) / divisor, rate };
}
