import { describe, expect, it } from "vitest";
import {
  EVENT_TYPES,
  eventCatalog,
  InvalidEventPayload,
  isEventType,
  parseEventPayload,
} from "../../../core/events/index.ts";
import { ORDER_STATUSES, eventTypeFor } from "../../../core/orders/index.ts";
import { toJson } from "../../../core/shared/outbox.ts";

const ID = "0190a0b0-0000-7000-8000-0000000000aa";
const order = {
  orderId: ID,
  userId: ID,
  status: "DELIVERED",
  from: "PAID",
  productId: ID,
  total: "1990",
  currency: "CNY",
  channel: "telegram",
};

describe("the event catalog", () => {
  it("has an event for every order status, the payment events and the restock", () => {
    for (const s of ORDER_STATUSES) expect(isEventType(eventTypeFor(s))).toBe(true);
    expect(EVENT_TYPES).toEqual(expect.arrayContaining(["payment.succeeded", "payment.refunded", "stock.restocked"]));
    expect(Object.keys(eventCatalog)).toEqual(EVENT_TYPES);
  });

  it("parses stored JSON into typed payloads (money back to bigint) and round-trips what producers write", () => {
    const p = parseEventPayload("order.delivered", order);
    expect(p.total).toBe(1990n);
    expect(p.from).toBe("PAID");
    const written = parseEventPayload("payment.succeeded", {
      paymentId: ID,
      userId: ID,
      orderId: null,
      purpose: "topup",
      provider: "sandbox",
      amount: 500n,
      currency: "CNY",
    });
    expect(toJson(written)).toMatchObject({ amount: "500" });
    expect(parseEventPayload("payment.succeeded", toJson(written)).amount).toBe(500n);
  });

  it("rejects a bad payload, naming the field", () => {
    const bad = (type: string, payload: unknown) => () => parseEventPayload(type, payload);
    expect(bad("order.delivered", { ...order, status: "PAID" })).toThrow(/status/);
    expect(bad("order.delivered", { ...order, total: 19.9 })).toThrow(/total/);
    expect(bad("order.delivered", { ...order, orderId: "42" })).toThrow(/orderId/);
    expect(bad("order.delivered", { ...order, currency: "EUR" })).toThrow(/currency/);
    const { userId: _omitted, ...noUser } = order;
    expect(bad("order.delivered", noUser)).toThrow(/userId/);
    expect(bad("stock.restocked", { productId: ID, available: -1, batchId: ID })).toThrow(/available/);
    expect(bad("order.teleported", {})).toThrow(InvalidEventPayload);
  });
});
