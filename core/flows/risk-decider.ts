import type { Risk } from "../risk/index.ts";
import type { OrderDecider, OrderDecision } from "./place-order.stages.ts";

export const riskDeciderName = "risk";

/**
 * The risk engine as the placement pipeline's decider (docs/risk.md): the priced order becomes a risk
 * subject (buyer, channel, product, category, amount, quantity, target, IP, device) and the engine's
 * outcome the pipeline's decision. What it counted is undone when the order is not placed after all.
 */
export function riskOrderDecider(risk: Pick<Risk, "assess">): OrderDecider {
  return {
    name: riskDeciderName,
    async decide(ctx, order): Promise<OrderDecision> {
      const d = await risk.assess(ctx, {
        subject: "order",
        eventId: order.orderId,
        userId: order.buyer.userId,
        channel: ctx.channel,
        amount: order.pricing.total,
        currency: order.pricing.currency,
        quantity: order.quantity,
        productId: order.product.id,
        categoryId: order.product.categoryId,
        target: order.target,
        ...(order.client.ip ? { ip: order.client.ip } : {}),
        ...(order.client.device ? { device: order.client.device } : {}),
      });
      switch (d.outcome) {
        case "allow":
          return { kind: "allow", undo: d.undo };
        case "review":
          return { kind: "review", reference: d.reference!, undo: d.undo };
        case "kyc_required":
          return { kind: "kyc_required", reference: d.reference! };
        case "block":
          return { kind: "block", reference: d.reference! };
      }
    },
  };
}
