import { z } from "zod";
import { defineAction, type AnyReviewableAction, type Approvals, type SubmitResult } from "../approvals/index.ts";
import { conflict, describeActor, formatMoney, type CoreContext, type Currency } from "../shared/index.ts";
import type { Withdrawal, Withdrawals } from "../withdrawals/index.ts";

export const WITHDRAWAL_PAY_ACTION = "withdrawals.pay";

export type WithdrawalPayPayload = { withdrawalId: string; step: "review" | "confirm" };

/**
 * Paying out a withdrawal as a reviewable action (core/approvals). A user's request is submitted by the
 * platform as a `review` step, which always waits for a staff member. The staff member who approves it
 * pays it — unless the amount is over `WITHDRAWAL_APPROVAL_OVER`: then approving asks for a `confirm`
 * step in their name, which a second, different staff member approves (two people). Rejecting or letting
 * either step expire releases the hold (`onClosed`). A staff member may also submit `confirm` directly:
 * under the threshold that is the one staff decision, and it pays at once.
 */
export function withdrawalPayAction(deps: {
  withdrawals: Pick<Withdrawals, "get" | "pay" | "close">;
  /** Approvals itself (wired after it is made: it holds this action). */
  approvals: () => Pick<Approvals, "submit">;
  /** Minor units per currency above which a second staff member must confirm (a currency left out: always). */
  thresholds: Partial<Record<Currency, bigint>>;
}): AnyReviewableAction {
  const get = (ctx: CoreContext, id: string) => deps.withdrawals.get(ctx, { withdrawalId: id });
  const overThreshold = (w: Withdrawal) => {
    const over = deps.thresholds[w.currency];
    return over === undefined || w.amount > over;
  };
  return defineAction<WithdrawalPayPayload>({
    name: WITHDRAWAL_PAY_ACTION,
    permission: "withdrawals.approve",
    schema: z.object({
      withdrawalId: z
        .string()
        .uuid({ message: "must be a withdrawal id" })
        .transform((s) => s.toLowerCase()),
      step: z.enum(["review", "confirm"]).default("confirm"),
    }),
    async precheck(ctx, p) {
      const w = await get(ctx, p.withdrawalId);
      if (w.status !== "PENDING")
        throw conflict("withdrawal_not_pending", `the withdrawal is ${w.status}: there is nothing to decide`, {
          status: w.status,
        });
    },
    async needsApproval(ctx, p) {
      // The platform never pays by itself; a review is a staff decision; a confirm needs a second person over the threshold.
      if (ctx.actor.kind !== "staff" || p.step === "review") return true;
      return overThreshold(await get(ctx, p.withdrawalId));
    },
    async describe(ctx, p) {
      const w = await get(ctx, p.withdrawalId);
      const money = formatMoney(w.amount, w.currency, "en");
      const fee = formatMoney(w.fee, w.currency, "en");
      const step = p.step === "confirm" ? " (second approval)" : "";
      return `withdrawal ${w.id}${step}: ${money} (fee ${fee}) from user ${w.userId}'s wallet`;
    },
    target: (p) => ({ type: "withdrawal", id: p.withdrawalId }),
    async onClosed(ctx, p, meta) {
      await deps.withdrawals.close(ctx, {
        withdrawalId: p.withdrawalId,
        as: meta.outcome === "rejected" ? "REJECTED" : "EXPIRED",
        reason: meta.note ?? (meta.outcome === "rejected" ? "rejected by staff" : "not decided in time"),
        decidedBy: describeActor(ctx.actor),
      });
    },
    async execute(ctx, p, meta) {
      const w = await get(ctx, p.withdrawalId);
      if (p.step === "review" && overThreshold(w)) {
        const r: SubmitResult = await deps.approvals().submit(ctx, {
          action: WITHDRAWAL_PAY_ACTION,
          payload: { withdrawalId: w.id, step: "confirm" },
          reason: meta.reason,
        });
        if (r.status === "pending")
          return { withdrawalId: w.id, status: "AWAITING_SECOND_APPROVAL", approvalId: r.request.id };
        if (r.status === "failed") throw new Error(r.error);
        return r.result;
      }
      const paid = await deps.withdrawals.pay(ctx, { withdrawalId: w.id, decidedBy: describeActor(ctx.actor) });
      if (!paid.ok)
        throw conflict(paid.code, `the payout did not go through: ${paid.reason}`, { status: paid.withdrawal.status });
      return { withdrawalId: w.id, status: paid.withdrawal.status };
    },
  });
}
