import { z } from "zod";
import { defineAction, type AnyReviewableAction } from "../approvals/index.ts";
import { conflict, delegate, formatMoney, type CoreContext, type Currency } from "../shared/index.ts";
import type { Orders } from "./index.ts";

/**
 * Statuses `orders.refund` can move to REFUNDED (the payment is reversed to the buyer's wallet; a
 * delivered order's codes are burned).
 */
export const REFUNDABLE_STATUSES: ReadonlySet<string> = new Set([
  "PAID",
  "FULFILLING",
  "FAILED",
  "DELIVERED",
  "AWAITING_STOCK",
]);

/**
 * A staff refund as a reviewable action (core/approvals): over the configured amount per currency (a
 * currency without one: any amount) it needs a second staff member. It runs the orders facade's `refund`.
 */
export function refundOrderAction(deps: {
  orders: Pick<Orders, "get" | "refund">;
  /** Minor units per currency above which a refund needs approval. */
  thresholds: Partial<Record<Currency, bigint>>;
}): AnyReviewableAction {
  const order = (ctx: CoreContext, orderId: string) => deps.orders.get(ctx, { orderId });
  return defineAction<{ orderId: string }>({
    name: "orders.refund",
    permission: "orders.refund",
    schema: z.object({
      orderId: z
        .string()
        .uuid({ message: "must be an order id" })
        .transform((s) => s.toLowerCase()),
    }),
    async precheck(ctx, p) {
      const o = await order(ctx, p.orderId);
      if (!REFUNDABLE_STATUSES.has(o.status))
        throw conflict(
          "order_not_refundable",
          `the order is ${o.status}: only paid, fulfilling, failed, waiting (backorder) or delivered orders can be refunded`,
          { status: o.status },
        );
    },
    async needsApproval(ctx, p) {
      const o = await order(ctx, p.orderId);
      const over = deps.thresholds[o.currency as Currency];
      return over === undefined || o.total > over;
    },
    async describe(ctx, p) {
      const o = await order(ctx, p.orderId);
      return `refund order ${o.id} (${o.status}): ${formatMoney(o.total, o.currency as Currency, "en")} to user ${o.userId}`;
    },
    target: (p) => ({ type: "order", id: p.orderId }),
    async execute(ctx, p, meta) {
      // Checked here (permission, threshold, a second person above it): the platform refunds on their behalf.
      const r = await deps.orders.refund(delegate(ctx, "approvals.orders.refund"), {
        orderId: p.orderId,
        reason: `staff refund: ${meta.reason}`,
      });
      if (!r.changed)
        throw conflict("order_not_refundable", `the order is ${r.status}: nothing was refunded`, { status: r.status });
      return { orderId: r.orderId, status: r.status };
    },
  });
}
