import { z } from "zod";
import { defineAction, type AnyReviewableAction } from "../approvals/index.ts";
import { conflict, delegate, formatMoney, type CoreContext, type Currency } from "../shared/index.ts";
import type { NumberedOrder } from "../orders/index.ts";
import type { Orders } from "./index.ts";
import { REFUNDABLE_STATUSES } from "./refund-order.action.ts";

/** At most this many orders in one bulk refund (one approval request, one chat message). */
export const MAX_BULK_REFUND = 50;

const orderIds = z
  .array(
    z
      .string()
      .uuid({ message: "must be an order id" })
      .transform((s) => s.toLowerCase()),
  )
  .min(2, { message: "name at least two orders (one order: refund)" })
  .max(MAX_BULK_REFUND, { message: `at most ${MAX_BULK_REFUND} orders at once` })
  .refine((ids) => new Set(ids).size === ids.length, { message: "an order is named twice" });

const totalsByCurrency = (orders: NumberedOrder[]) => {
  const sums = new Map<Currency, bigint>();
  for (const o of orders) sums.set(o.currency as Currency, (sums.get(o.currency as Currency) ?? 0n) + o.total);
  return sums;
};

/**
 * Refunding several orders at once (a supplier's bad batch, a failed promotion) as a reviewable action:
 * more than `maxCount` orders, or a total over the single-refund threshold in any currency (a currency
 * without one: any amount), needs a second staff member. Each order is refunded through the orders
 * facade exactly as a single refund; one already refunded meanwhile is reported, not refunded again.
 */
export function refundOrdersAction(deps: {
  orders: Pick<Orders, "get" | "refund">;
  thresholds: Partial<Record<Currency, bigint>>;
  maxCount: number;
}): AnyReviewableAction {
  const load = (ctx: CoreContext, ids: string[]) =>
    Promise.all(ids.map((orderId) => deps.orders.get(ctx, { orderId })));
  return defineAction<{ orderIds: string[] }>({
    name: "orders.refund_bulk",
    permission: "orders.refund",
    schema: z.object({ orderIds }),
    async precheck(ctx, p) {
      const stuck = (await load(ctx, p.orderIds)).filter((o) => !REFUNDABLE_STATUSES.has(o.status));
      if (stuck.length > 0)
        throw conflict(
          "order_not_refundable",
          `not refundable: ${stuck.map((o) => `${o.number} (${o.status})`).join(", ")} — leave them out`,
          { orders: stuck.map((o) => o.id) },
        );
    },
    async needsApproval(ctx, p) {
      if (p.orderIds.length > deps.maxCount) return true;
      for (const [currency, sum] of totalsByCurrency(await load(ctx, p.orderIds))) {
        const over = deps.thresholds[currency];
        if (over === undefined || sum > over) return true;
      }
      return false;
    },
    async describe(ctx, p) {
      const sums = [...totalsByCurrency(await load(ctx, p.orderIds))].map(([c, v]) => formatMoney(v, c, "en"));
      return `refund ${p.orderIds.length} orders, ${sums.join(" + ")} in all`;
    },
    target: (p) => ({ type: "orders", id: p.orderIds.join(",").slice(0, 200) }),
    async execute(ctx, p, meta) {
      const refunded: string[] = [];
      const unchanged: Array<{ orderId: string; status: string }> = [];
      for (const orderId of p.orderIds) {
        const r = await deps.orders.refund(delegate(ctx, "approvals.orders.refund_bulk"), {
          orderId,
          reason: `staff bulk refund: ${meta.reason}`,
        });
        if (r.changed) refunded.push(r.orderId);
        else unchanged.push({ orderId: r.orderId, status: r.status });
      }
      return { refunded, unchanged };
    },
  });
}
