import type { RuleModeCode } from "./callback-data.ts";

/** The largest markup a rule may have (core/distribution: 1000% = 100000 bps). */
export const MAX_MARKUP_BPS = 100_000n;
/** The largest amount typed for a rule: ¥1,000,000.00 (in fen); the core refuses what the floor or cap does not allow. */
export const MAX_RULE_AMOUNT = 100_000_000n;

export type RuleValue =
  { ok: true; value: bigint } | { ok: false; problem: "nan" | "negative" | "decimals" | "too_large"; max: bigint };

/**
 * A rule's value as typed: a markup in percent (`15`, `12.5`, `15%` → bps) or an amount in yuan (`2`,
 * `1.50` → fen). Full-width digits and a `¥`/`元` are accepted; anything else says exactly what is wrong.
 */
export function parseRuleValue(mode: Exclude<RuleModeCode, "INHERIT">, raw: string): RuleValue {
  const markup = mode === "MARKUP_PCT";
  const max = markup ? MAX_MARKUP_BPS : MAX_RULE_AMOUNT;
  const s = raw
    .normalize("NFKC")
    .trim()
    .replace(markup ? /%$/ : /^¥|元$/g, "")
    .replace(/,/g, "")
    .trim();
  if (/^-\s*\d/.test(s)) return { ok: false, problem: "negative", max };
  const m = /^(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) return { ok: false, problem: "nan", max };
  const frac = m[2] ?? "";
  if (frac.length > 2) return { ok: false, problem: "decimals", max };
  // Both units have two decimals: bps = percent × 100, fen = yuan × 100.
  if (m[1]!.length > 12) return { ok: false, problem: "too_large", max };
  const value = BigInt(m[1]!) * 100n + BigInt(frac.padEnd(2, "0"));
  return value > max ? { ok: false, problem: "too_large", max } : { ok: true, value };
}
