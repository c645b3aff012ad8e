import { authorize, requires, type AccessRules, type CoreContext } from "../shared/index.ts";
import type { Withdrawals } from "./withdrawals.types.ts";

const own = (ctx: CoreContext, input: { userId: string }) =>
  authorize(ctx, "wallet.withdraw", {
    owner: typeof input?.userId === "string" ? input.userId.toLowerCase() : undefined,
  });
const decide = requires("withdrawals.approve");

/**
 * A user withdraws from their own wallet, to their own payout accounts (`wallet.withdraw`: self-service,
 * never staff); staff with `withdrawals.approve` pay, reject and set the KYC flag; a withdrawal is read by
 * its owner or staff with `wallet.read`.
 */
export const withdrawalsAccess: AccessRules<Withdrawals> = {
  addPayoutAccount: own,
  payoutAccounts(ctx, input) {
    authorize(ctx, "wallet.read", { owner: input?.userId?.toLowerCase() });
  },
  removePayoutAccount: own,
  request: own,
  terms: own,
  preview: own,
  cancel: own,
  attachApproval: requires("ledger.post"),
  get: { inside: "the owner (wallet.read on their own) or staff with wallet.read, once the withdrawal is read" },
  list(ctx, input) {
    authorize(ctx, "wallet.read", { owner: input?.userId?.toLowerCase() });
  },
  pay: decide,
  close: decide,
  expireDue: decide,
  retryUnknownPayouts: decide,
  setKycVerified: decide,
  kycVerified(ctx, input) {
    authorize(ctx, "wallet.read", { owner: input?.userId?.toLowerCase() });
  },
};
