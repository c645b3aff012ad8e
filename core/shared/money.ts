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

interface LocaleFormat {
  symbol: string;
  symbolFirst: boolean;
  grouping: Intl.NumberFormat;
}
// Building Intl formatters is costly and there are few (locale, currency) pairs: built once each.
const localeFormats = new Map<string, LocaleFormat>();

function localeFormat(locale: string, currency: Currency, digits: number): LocaleFormat {
  const key = `${locale}|${currency}`;
  let f = localeFormats.get(key);
  if (!f) {
    // The narrow symbol: "¥9.80" in English as in Chinese, the way product names write prices ("CN¥" mixed both).
    const parts = new Intl.NumberFormat(locale, {
      style: "currency",
      currency,
      currencyDisplay: "narrowSymbol",
      minimumFractionDigits: digits,
    }).formatToParts(0);
    f = {
      symbol: parts.find((p) => p.type === "currency")?.value ?? currency,
      symbolFirst: parts.findIndex((p) => p.type === "currency") < parts.findIndex((p) => p.type === "integer"),
      grouping: new Intl.NumberFormat(locale),
    };
    if (localeFormats.size < 1_000) localeFormats.set(key, f);
  }
  return f;
}

export function formatMoney(amount: bigint, currency: Currency, locale: string): string {
  const digits = CURRENCIES[currency].minorDigits;
  if (currency === "XTR") return `${amount.toString()} ⭐`;
  const neg = amount < 0n;
  const abs = neg ? -amount : amount;
  const scale = 10n ** BigInt(digits);
  const whole = abs / scale;
  const frac = (abs % scale).toString().padStart(digits, "0");
  // Intl formats the grouping and symbol; the value is assembled as a decimal string, never a float.
  const { symbol, symbolFirst, grouping } = localeFormat(locale, currency, digits);
  const grouped = grouping.format(whole);
  const num = digits > 0 ? `${grouped}.${frac}` : grouped;
  const body = symbolFirst ? `${symbol}${num}` : `${num} ${symbol}`;
  return neg ? `-${body}` : body;
}
