import { z } from "zod";

/** Money is integer minor units (fen, cents, Stars) with a currency; never floating point. */
export const CURRENCIES = {
  CNY: { minorDigits: 2 },
  USD: { minorDigits: 2 },
  XTR: { minorDigits: 0 },
} as const;
export type Currency = keyof typeof CURRENCIES;
export const currencySchema = z.enum(Object.keys(CURRENCIES) as [Currency, ...Currency[]]);

/** Largest amount we accept anywhere: far beyond any real order, far below BigInt/int8 limits. */
export const MAX_MINOR = 10n ** 15n;

export const minorAmountSchema = z
  .union([z.bigint(), z.number().int(), z.string().regex(/^-?\d{1,19}$/)])
  .transform((v) => BigInt(v))
  .refine((v) => v > -MAX_MINOR && v < MAX_MINOR, { message: `amount must be below ${MAX_MINOR} minor units` });

export const positiveMinorSchema = minorAmountSchema.refine((v) => v > 0n, { message: "amount must be positive" });

export function formatMoney(amount: bigint, currency: Currency, locale: string): string {
  const digits = CURRENCIES[currency].minorDigits;
  if (currency === "XTR") return `${amount.toString()} ⭐`;
  const neg = amount < 0n;
  const abs = neg ? -amount : amount;
  const scale = 10n ** BigInt(digits);
  const whole = abs / scale;
  const frac = (abs % scale).toString().padStart(digits, "0");
  // Intl formats the grouping and symbol; the value is assembled as a decimal string, never a float.
  const fmt = new Intl.NumberFormat(locale, { style: "currency", currency, minimumFractionDigits: digits });
  const parts = fmt.formatToParts(0);
  const symbol = parts.find((p) => p.type === "currency")?.value ?? currency;
  const grouped = new Intl.NumberFormat(locale).format(whole);
  const symbolFirst = parts.findIndex((p) => p.type === "currency") < parts.findIndex((p) => p.type === "integer");
  const num = digits > 0 ? `${grouped}.${frac}` : grouped;
  const body = symbolFirst ? `${symbol}${num}` : `${num} ${symbol}`;
  return neg ? `-${body}` : body;
}
