import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENT_TYPES, parseEventPayload, type EventType } from "../../../core/events/index.ts";
import type { OrderDecider } from "../../../core/flows/index.ts";
import { ManualClock, newId } from "../../../core/shared/index.ts";
import { createShop, ctx, type Shop } from "../../e2e/support/shop.ts";

/**
 * Every path that writes to the outbox, on both databases: each row must parse against the event
 * catalog (core/events/catalog.ts). The order events are built in SQL (one payload builder in the orders
 * store, used by the insert and by every transition), so this is where their shape is checked.
 */
describe.each([
  { name: "PostgreSQL", embedded: false },
  { name: "embedded PGlite", embedded: true },
])("every outbox row of every path parses against the event catalog ($name)", ({ embedded }) => {
  let shop: Shop;
  const clock = new ManualClock(new Date());
  /** Products whose orders a test decider holds for review (HELD_FOR_REVIEW). */
  const reviewed = new Set<string>();
  const deciders: OrderDecider[] = [
    {
      name: "test-review",
      decide: (_ctx, order) =>
        reviewed.has(order.product.id) ? { kind: "review", reference: "R-TEST" } : { kind: "allow" },
    },
  ];
  beforeAll(async () => {
    shop = await createShop(`orderevents${embedded ? "lite" : ""}`, {
      workers: false,
      embedded,
      container: { clock, orderDeciders: deciders },
    });
  }, 120_000);
  afterAll(() => shop?.dispose());

  it("orders (placed and delivered at once, paid later, direct top-ups delivered and refunded, cancelled, expired), payments and restocks", async () => {
    const o = shop.c.orders;
    const userId = await shop.user();
    await shop.fund(userId, 100_000n);
    const u = { ...ctx, userId };
    const card = await shop.codeProduct({ stock: 5, price: 500n, cost: 400n });
    const { supplier: good } = await shop.supplier(`ok-${embedded}`);
    const { supplier: bad } = await shop.supplier(`bad-${embedded}`, { failureRate: 1 });
    const topUp = await shop.directProduct([{ supplierId: good.id, cost: 2500n }]);
    const failing = await shop.directProduct([{ supplierId: bad.id, cost: 2500n }]);
    const place = async (productId: string, payWith: "wallet" | "later", target?: string) => {
      const r = await o.place(u, {
        userId,
        productId,
        quantity: 1,
        idempotencyKey: newId(),
        payWith,
        ...(target ? { target } : {}),
      });
      if (!r.ok) throw new Error(r.code);
      return r.order;
    };

    // A stock order paid from the wallet: written DELIVERED by the insert (order.delivered from the insert).
    await place(card.id, "wallet");
    // Placed unpaid (order.created), paid (order.paid), fulfilled from stock (order.delivered from PAID).
    const later = await place(card.id, "later");
    expect((await o.payFromWallet(u, { orderId: later.id })).ok).toBe(true);
    await o.fulfil(ctx, { orderId: later.id });
    // Its codes sent again on an operator's request (order.redelivery_requested).
    await o.redeliver(ctx, { orderId: later.id });
    // A direct top-up: paid, fulfilling, delivered by the supplier.
    const direct = await place(topUp.id, "wallet", "13800138000");
    await o.fulfil(ctx, { orderId: direct.id });
    // A direct top-up whose supplier fails for good: refunded, with its reason.
    const refunded = await place(failing.id, "wallet", "13800138001");
    await o.fulfil(ctx, { orderId: refunded.id }).catch(() => undefined);
    await o.refund(ctx, { orderId: refunded.id, reason: "supplier failed" });
    // 补单: a backorder paid while out of stock waits (order.awaiting_stock), then an import fills it.
    const backorder = await shop.codeProduct({ price: 500n });
    await shop.c.catalog.updateProduct(ctx, { productId: backorder.id, patch: { acceptBackorders: true } });
    expect((await place(backorder.id, "wallet")).status).toBe("AWAITING_STOCK");
    await shop.importCodes(backorder.id, 1);
    expect((await o.fillBackorders(ctx, { productId: backorder.id })).filled).toHaveLength(1);
    // Held for review (order.held_for_review), then approved (order.paid from HELD_FOR_REVIEW).
    const heldCard = await shop.codeProduct({ stock: 2, price: 500n, cost: 400n });
    reviewed.add(heldCard.id);
    const held = await place(heldCard.id, "wallet");
    expect(held.status).toBe("HELD_FOR_REVIEW");
    expect((await o.releaseHeld(ctx, { orderId: held.id, reason: "approved" })).changed).toBe(true);
    // Cancelled, and expired.
    await o.cancel(u, { orderId: (await place(card.id, "later")).id });
    const expiring = await place(card.id, "later");
    clock.advance(16 * 60_000); // past the payment window
    expect(await o.expireDue(ctx)).toBeGreaterThanOrEqual(1);
    // Payments: a top-up credited, a Stars payment credited and given back.
    const { payment } = await shop.c.payments.startTopUp(ctx, {
      userId,
      amount: 300n,
      currency: "CNY",
      provider: "sandbox",
      idempotencyKey: newId(),
    });
    const paid = { provider: "sandbox" as const, paymentId: payment.id, externalId: newId(), amount: 300n };
    expect((await shop.c.payments.confirm(ctx, { ...paid, currency: "CNY" })).ok).toBe(true);
    const stars = await shop.c.payments.createPayment(ctx, {
      provider: "telegram_stars",
      purpose: "order",
      userId,
      orderId: newId(),
      amount: 50n,
      currency: "XTR",
      idempotencyKey: newId(),
    });
    await shop.c.payments.confirm(ctx, {
      provider: "telegram_stars",
      paymentId: stars.payment.id,
      externalId: `tgch_${newId()}`,
      amount: 50n,
      currency: "XTR",
    });
    expect(
      (await shop.c.payments.recordProviderRefund(ctx, { paymentId: stars.payment.id, idempotencyKey: newId() })).ok,
    ).toBe(true);
    // A restock (codes imported).
    await shop.importCodes(card.id, 2);

    const rows = await shop.prisma.outboxEvent.findMany({ orderBy: { id: "asc" } });
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row.type);
      try {
        parseEventPayload(row.type, row.payload);
      } catch (e) {
        problems.push(`#${row.id} ${(e as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
    // Every type in the catalog was written by some path — but order.failed, which no path stops at today, and
    // the types other modules write, each checked in its own test: distributor.tier_changed
    // (test/core/distribution/tier-progress.test.ts), distributor.applied (test/app/staff-alerts.test.ts), distributor.application_decided (test/bots/distributor-screens.test.ts), withdrawal.* (test/core/withdrawals/withdrawals.test.ts),
    // kyc.* (test/core/kyc/kyc.test.ts), custody.mismatch (test/app/custody-check-job.test.ts) and staff.alert
    // (test/app/staff-alerts.test.ts).
    const elsewhere = new Set([
      "order.failed",
      "distributor.tier_changed",
      "distributor.applied",
      "distributor.application_decided",
      "withdrawal.requested",
      "withdrawal.paid",
      "withdrawal.rejected",
      "withdrawal.cancelled",
      "kyc.submitted",
      "kyc.verified",
      "kyc.rejected",
      "custody.mismatch",
      "staff.alert",
    ]);
    expect([...seen].sort()).toEqual(EVENT_TYPES.filter((t) => !elsewhere.has(t)).sort());

    // The order events say where the order came from, and a refund why.
    const ofOrder = (id: string, type: EventType) =>
      rows.filter((r) => r.type === type && (r.payload as { orderId?: string }).orderId === id).map((r) => r.payload);
    expect(ofOrder(later.id, "order.delivered")).toEqual([
      expect.objectContaining({ status: "DELIVERED", from: "PAID" }),
    ]);
    expect(ofOrder(later.id, "order.created")).toEqual([expect.objectContaining({ status: "CREATED", from: null })]);
    expect(ofOrder(refunded.id, "order.refunded")).toEqual([
      expect.objectContaining({ status: "REFUNDED", reason: expect.any(String) }),
    ]);
    expect(ofOrder(expiring.id, "order.expired")).toHaveLength(1);
    expect(ofOrder(direct.id, "order.fulfilling")).toEqual([expect.objectContaining({ from: "PAID" })]);
    // No secrets: no code of any delivered order appears in any payload.
    const codes = await shop.prisma.code.findMany({ where: { status: "SOLD" }, select: { id: true } });
    expect(codes.length).toBeGreaterThan(0);
    const revealed = (await o.codesFor(u, { orderId: later.id })).map((c) => c.code);
    expect(JSON.stringify(rows.map((r) => r.payload))).not.toContain(revealed[0]!);
  }, 120_000);
});
