import { invalidData, MAX_MINOR, type Currency } from "../shared/index.ts";
import { parseAccountCode, type ParsedAccountCode } from "./account-codes.ts";
import type { Leg } from "./ledger.types.ts";

export interface ValidLeg {
  account: ParsedAccountCode;
  amount: bigint;
}

/**
 * Checks a posting before it touches the database: at least two legs, non-zero bounded bigint
 * amounts, known account codes, and a zero sum per currency (the deferred trigger would only say so at commit).
 */
export function validateLegs(legs: readonly Leg[]): ValidLeg[] {
  if (!Array.isArray(legs) || legs.length < 2)
    throw invalidData("invalid_legs", "a transaction needs at least two legs");
  if (legs.length > 100) throw invalidData("invalid_legs", "a transaction has at most 100 legs");
  const sums = new Map<Currency, bigint>();
  const out = legs.map((leg, i) => {
    if (typeof leg?.amount !== "bigint") throw invalidData("invalid_legs", `leg ${i}: amount must be a bigint`);
    if (leg.amount === 0n) throw invalidData("invalid_legs", `leg ${i}: amount must not be zero`);
    if (leg.amount <= -MAX_MINOR || leg.amount >= MAX_MINOR)
      throw invalidData("invalid_legs", `leg ${i}: amount must be below ${MAX_MINOR} minor units`);
    const account = parseAccountCode(String(leg.account));
    sums.set(account.currency, (sums.get(account.currency) ?? 0n) + leg.amount);
    return { account, amount: leg.amount };
  });
  for (const [currency, sum] of sums)
    if (sum !== 0n)
      throw invalidData("unbalanced_transaction", `the legs do not balance in ${currency} (off by ${sum})`, {
        currency,
        difference: sum.toString(),
      });
  return out;
}
