/** An amount as a distributor types it ("100", "¥ 99.50", "100元"), in fen; or what is wrong with it. */
export type AmountParse =
  { ok: true; amount: bigint } | { ok: false; problem: "not_a_number" | "not_positive" | "decimals" | "too_large" };

/** Above this many yuan a typed amount is refused as a typo before any check (¥1,000,000,000). */
const MAX_YUAN_DIGITS = 9;

export function parseAmount(input: string): AmountParse {
  const s = input
    .trim()
    .replace(/^[¥￥]\s*/, "")
    .replace(/\s*(元|rmb|cny)$/i, "")
    .replace(/,/g, "");
  if (/^-\s*\d/.test(s)) return { ok: false, problem: "not_positive" };
  const m = /^(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) return { ok: false, problem: "not_a_number" };
  const [, whole = "", frac = ""] = m;
  if (frac.length > 2) return { ok: false, problem: "decimals" };
  if (whole.replace(/^0+/, "").length > MAX_YUAN_DIGITS) return { ok: false, problem: "too_large" };
  const amount = BigInt(whole) * 100n + BigInt(frac.padEnd(2, "0") || "0");
  return amount > 0n ? { ok: true, amount } : { ok: false, problem: "not_positive" };
}
