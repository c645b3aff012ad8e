import type { Approvals } from "../approvals/index.ts";
import { delegate, describeActor, type CoreContext } from "../shared/index.ts";
import type { RequestWithdrawalInput, RequestWithdrawalResult, Withdrawals } from "../withdrawals/index.ts";
import { WITHDRAWAL_PAY_ACTION } from "./withdrawal-pay.action.ts";

/**
 * A user's withdrawal: the hold on their wallet (core/withdrawals), then the request staff decide in the
 * console (core/approvals, `withdrawals.pay`, a `review` step: `pending` lists it with its buttons). A
 * replay of the same request asks again only if the first asking did not get through.
 */
export function requestWithdrawalFlow(deps: {
  withdrawals: Pick<Withdrawals, "request" | "attachApproval">;
  approvals: Pick<Approvals, "submit">;
}) {
  return async (ctx: CoreContext, input: RequestWithdrawalInput): Promise<RequestWithdrawalResult> => {
    const r = await deps.withdrawals.request(ctx, input);
    if (!r.ok || r.withdrawal.approvalId || r.withdrawal.status !== "PENDING") return r;
    // The user may not decide their own withdrawal: the platform asks staff on their behalf.
    const platform = delegate(ctx, "withdrawals.request");
    const submitted = await deps.approvals.submit(platform, {
      action: WITHDRAWAL_PAY_ACTION,
      payload: { withdrawalId: r.withdrawal.id, step: "review" },
      reason: `withdrawal requested by ${describeActor(ctx.actor)}`,
    });
    if (submitted.status === "pending") {
      await deps.withdrawals.attachApproval(platform, {
        withdrawalId: r.withdrawal.id,
        approvalId: submitted.request.id,
      });
      return { ...r, withdrawal: { ...r.withdrawal, approvalId: submitted.request.id } };
    }
    return r;
  };
}

/**
 * A user cancels their own withdrawal: the hold is released (core/withdrawals) and the request staff would
 * have decided leaves their queue (withdrawn by the platform that asked), so nobody approves a payout that
 * can no longer happen. A repeat changes nothing.
 */
export function cancelWithdrawalFlow(deps: {
  withdrawals: Pick<Withdrawals, "cancel">;
  approvals: Pick<Approvals, "withdraw">;
}): Withdrawals["cancel"] {
  return async (ctx, input) => {
    const r = await deps.withdrawals.cancel(ctx, input);
    if (r.changed && r.withdrawal.approvalId)
      await deps.approvals.withdraw(delegate(ctx, "withdrawals.cancel"), {
        requestId: r.withdrawal.approvalId,
        note: "the user cancelled the withdrawal",
      });
    return r;
  };
}
