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
