import { describe, expect, it } from "vitest";
import { starsRefundSubscriber } from "../../../channels/telegram/index.ts";

const ORDER = "0190a7f0-0000-7000-8000-000000000001";
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const refunded = (orderId = ORDER) => ({ type: "order.refunded", payload: { orderId } });

/** The Stars refund subscriber: the refund is booked before Telegram is asked, and only then asked. */
describe("starsRefundSubscriber", () => {
  function subscriber(booking: "refund" | "skip", steps: string[], fail = false) {
    return starsRefundSubscriber({
      channel: {
        async refundStarPayment(userId, chargeId) {
          steps.push(`telegram:${userId}:${chargeId}`);
          if (fail) throw new Error("Bot API down");
          return { alreadyRefunded: false };
        },
      },
      findStarsCharge: async () => ({ telegramUserId: "42", chargeId: "ch_1" }),
      beforeRefund: async ({ orderId, chargeId }) => {
        steps.push(`book:${orderId}:${chargeId}`);
        return booking;
      },
      afterRefund: async () => void steps.push("after"),
      logger: quiet,
    });
  }

  it("books first, then gives the Stars back", async () => {
    const steps: string[] = [];
    await subscriber("refund", steps)(refunded());
    expect(steps).toEqual([`book:${ORDER}:ch_1`, "telegram:42:ch_1", "after"]);
  });

  it("never asks Telegram when the booking says the refund was already spent", async () => {
    const steps: string[] = [];
    await subscriber("skip", steps)(refunded());
    expect(steps).toEqual([`book:${ORDER}:ch_1`]);
  });

  it("a Bot API failure throws (the event is retried; the booking replays)", async () => {
    const steps: string[] = [];
    await expect(subscriber("refund", steps, true)(refunded())).rejects.toThrow("Bot API down");
    expect(steps).toEqual([`book:${ORDER}:ch_1`, "telegram:42:ch_1"]);
  });
});
