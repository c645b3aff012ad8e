import type { TelegramChannel, TelegramLogger } from "./telegram.channel.ts";
import { errInfo } from "./telegram.channel.ts";

/** The Telegram Stars charge that paid an order (recorded by the payments side when Stars were confirmed). */
export interface StarsCharge {
  /** The payer's Telegram user id. */
  telegramUserId: string;
  /** `telegram_payment_charge_id`. */
  chargeId: string;
}

export interface StarsRefundDeps {
  channel: Pick<TelegramChannel, "refundStarPayment">;
  /** The Stars charge of an order, or null when the order was not paid with Stars. */
  findStarsCharge(orderId: string): Promise<StarsCharge | null>;
  /**
   * Before asking Telegram: book the refund (e.g. `payments.recordProviderRefund`, idempotent per charge).
   * `"skip"` means it must not be refunded (the buyer already spent what the order refund gave back).
   */
  beforeRefund?(input: StarsCharge & { orderId: string }): Promise<"refund" | "skip">;
  /**
   * After Telegram returned the Stars: book it (e.g. `wallet −T, custody +T` in XTR, idempotent on the
   * charge id), since the order refund itself credited the buyer's XTR wallet.
   */
  afterRefund?(input: StarsCharge & { orderId: string; alreadyRefunded: boolean }): Promise<void>;
  logger: TelegramLogger;
}

/**
 * The `order.refunded` subscriber for Stars-paid orders: gives the Stars back through the Bot API
 * (`refundStarPayment`). Idempotent: a charge already refunded counts as done, so at-least-once event
 * delivery is safe. Throws on other failures so the event is delivered again.
 */
export function starsRefundSubscriber(deps: StarsRefundDeps) {
  return async (event: { type: string; payload: Record<string, unknown> }): Promise<void> => {
    if (event.type !== "order.refunded") return;
    const orderId = String(event.payload.orderId ?? "");
    if (!orderId) return;
    const charge = await deps.findStarsCharge(orderId);
    if (!charge) return;
    if ((await deps.beforeRefund?.({ ...charge, orderId })) === "skip") {
      deps.logger.warn({ orderId }, "telegram: Stars not refunded (the refund was already spent)");
      return;
    }
    try {
      const { alreadyRefunded } = await deps.channel.refundStarPayment(charge.telegramUserId, charge.chargeId);
      deps.logger.info({ orderId, alreadyRefunded }, "telegram: Stars refunded");
      await deps.afterRefund?.({ ...charge, orderId, alreadyRefunded });
    } catch (err) {
      deps.logger.error({ orderId, err: errInfo(err) }, "telegram: Stars refund failed");
      throw err;
    }
  };
}
