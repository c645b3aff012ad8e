import { authorize, withAccess } from "../shared/index.ts";
import { withdrawalsAccess } from "./withdrawals.access.ts";
import { createWithdrawals as createUncheckedWithdrawals, type WithdrawalsDeps } from "./withdrawals.service.ts";
import type { Withdrawals } from "./withdrawals.types.ts";

export type { WithdrawalsDeps };
export * from "./withdrawals.types.ts";
export { maskAccount, normalizeAccount, payoutAccountProblem, type PayoutAccountProblem } from "./payout-accounts.ts";
export { PAYOUT_ACCOUNT_ROW, WITHDRAWAL_ROW } from "./withdrawals.sql.ts";
export { HttpPayoutProvider, PAYOUT_SIGNATURE_HEADER } from "./http-payout-provider.ts";

/** Withdrawals, every call checked against its actor (withdrawals.access.ts). */
export function createWithdrawals(deps: WithdrawalsDeps): Withdrawals {
  const unchecked = createUncheckedWithdrawals(deps);
  const checked = withAccess("withdrawals", unchecked, withdrawalsAccess);
  return {
    ...checked,
    // Read first, then checked against the withdrawal's owner (ids cannot be probed).
    async get(ctx, input) {
      const w = await unchecked.get(ctx, input);
      authorize(ctx, "wallet.read", {
        owner: w.userId,
        hide: { code: "withdrawal_not_found", message: "no such withdrawal" },
      });
      return w;
    },
  };
}
