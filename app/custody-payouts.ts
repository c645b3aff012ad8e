import type { CustodyPayoutsPort } from "../core/custody/index.ts";
import type { Withdrawals } from "../core/withdrawals/index.ts";

/** How many of the newest paid withdrawals a reconciliation looks at (the withdrawals' list cap). */
const NEWEST_PAID = 500;

/**
 * Withdrawals as custody's payouts (docs/custody.md): each PAID withdrawal left the custody account with
 * `amount − fee` (the fee stays with the platform), referenced by its id or the payout provider's reference.
 * Reads the newest 500 paid withdrawals and keeps those decided in the period.
 */
export function withdrawalPayouts(withdrawals: () => Pick<Withdrawals, "list">): CustodyPayoutsPort {
  return {
    async paidOut(ctx, { currency, from, to }) {
      const paid = await withdrawals().list(ctx, { status: "PAID", limit: NEWEST_PAID });
      return paid
        .map((w) => ({ w, at: w.decidedAt ?? w.createdAt }))
        .filter(({ w, at }) => w.currency === currency && at >= from && at < to)
        .map(({ w, at }) => ({
          payoutId: w.id,
          reference: w.payoutRef,
          amount: w.amount - w.fee,
          currency: w.currency,
          at,
        }));
    },
  };
}
