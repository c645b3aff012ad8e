import type { CoreContext } from "../../core/shared/index.ts";
import type { RequestWithdrawalInput, RequestWithdrawalResult, Withdrawals } from "../../core/withdrawals/index.ts";

/**
 * What the withdrawal screens need from the core: the user's own withdrawals and payout accounts
 * (core/withdrawals, each call checked against the user), the request flow that holds and asks staff
 * (core/flows/request-withdrawal.flow.ts), and whether the user is a distributor (core/distribution).
 */
export interface WithdrawPorts {
  isDistributor(ctx: CoreContext, userId: string): Promise<boolean>;
  withdrawals: Pick<
    Withdrawals,
    "terms" | "preview" | "get" | "payoutAccounts" | "addPayoutAccount" | "removePayoutAccount" | "list"
  >;
  request(ctx: CoreContext, input: RequestWithdrawalInput): Promise<RequestWithdrawalResult>;
  /** Cancels the user's own pending withdrawal and takes its request out of the staff queue (core/flows). */
  cancel: Withdrawals["cancel"];
}
