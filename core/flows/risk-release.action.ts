import { z } from "zod";
import { defineAction, type AnyReviewableAction } from "../approvals/index.ts";
import { conflict, formatMoney, type CoreContext, type Currency } from "../shared/index.ts";
import type { Orders } from "./orders.facade.ts";
import type { RiskReview } from "./risk-review.flow.ts";

export const RISK_RELEASE_ACTION = "risk.release";

/**
 * Releasing an order held by risk (approve → fulfilment) as a reviewable action (core/approvals,
 * permission `risk.review`): at or below `RISK_RELEASE_APPROVAL_OVER` one reviewer releases it at once;
 * above it a second, different staff member approves the request, and only then is it released — once,
 * whichever of racing approvals wins. Rejecting a held order (a refund) stays one reviewer's decision.
 */
export function riskReleaseAction(deps: {
  orders: Pick<Orders, "get">;
  riskReview: Pick<RiskReview, "approve" | "needsSecondApproval">;
}): AnyReviewableAction {
  const order = (ctx: CoreContext, orderId: string) => deps.orders.get(ctx, { orderId });
  return defineAction<{ orderId: string }>({
    name: RISK_RELEASE_ACTION,
    permission: "risk.review",
    schema: z.object({
      orderId: z
        .string()
        .uuid({ message: "must be an order id" })
        .transform((s) => s.toLowerCase()),
    }),
    async precheck(ctx, p) {
      const o = await order(ctx, p.orderId);
      if (o.status !== "HELD_FOR_REVIEW")
        throw conflict("order_not_held", `the order is ${o.status}: it is no longer held for review`, {
          status: o.status,
        });
    },
    async needsApproval(ctx, p) {
      return deps.riskReview.needsSecondApproval(await order(ctx, p.orderId));
    },
    async describe(ctx, p) {
      const o = await order(ctx, p.orderId);
      return `release held order ${o.id} to fulfilment: ${formatMoney(o.total, o.currency as Currency, "en")} from user ${o.userId}`;
    },
    target: (p) => ({ type: "order", id: p.orderId }),
    async execute(ctx, p, meta) {
      // As the deciding staff member (the approver above the threshold): the case records who released it.
      const released = await deps.riskReview.approve(ctx, {
        orderId: p.orderId,
        note: meta.reason,
        ...(meta.approvalId ? { approvalId: meta.approvalId } : {}),
      });
      return { orderId: released.id, status: released.status };
    },
  });
}
