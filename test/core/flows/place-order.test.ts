import net from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ORDER_NOT_AT_STATUS } from "../../../core/orders/index.ts";
import { asBuyer, kamengFailure, ManualClock, sql } from "../../../core/shared/index.ts";
import { CLEAN, createShop, ctx, type Shop } from "../../e2e/support/shop.ts";

// Both SqlRunners: PostgreSQL's pipelined node-postgres and the embedded PGlite — the same flows,
// statements issued without waiting and refusals raised on both.
describe.each([
  { runner: "PostgreSQL, pipelined", embedded: false },
  { runner: "embedded PGlite", embedded: true },
])("place-order flow ($runner)", ({ embedded }) => {
  let shop: Shop;
  const clock = new ManualClock(new Date());
  beforeAll(async () => {
    shop = await createShop("placeorder", { workers: false, embedded, container: { clock } });
  });
  afterAll(() => shop.dispose());

  const counts = async () => ({
    orders: await shop.prisma.order.count(),
    reserved: await shop.prisma.code.count({ where: { status: { not: "AVAILABLE" } } }),
    ledgerTx: await shop.prisma.ledgerTransaction.count(),
    outbox: await shop.prisma.outboxEvent.count(),
  });

  it("places, pays and delivers a CODE order from stock in one transaction; settles once", async () => {
    const product = await shop.codeProduct({ price: 1500n, stock: 3, cost: 1200n });
    const userId = await shop.user();
    await shop.fund(userId, 5000n);
    const r = await shop.c.orders.place(asBuyer(ctx, userId), {
      userId,
      productId: product.id,
      quantity: 2,
      idempotencyKey: "k1",
      payWith: "wallet",
    });
    expect(r).toMatchObject({ ok: true, replayed: false, order: { status: "DELIVERED", total: 3000n } });
    if (!r.ok) return;
    expect(await shop.walletBalance(userId)).toBe(2000n);
    // A fulfil job run anyway (at-least-once queues) changes nothing.
    const again = await shop.c.orders.fulfil(ctx, { orderId: r.order.id });
    expect(again).toMatchObject({ status: "DELIVERED", changed: false });
    const codes = await shop.c.orders.codesFor(asBuyer(ctx, userId), { orderId: r.order.id });
    expect(codes).toHaveLength(2);
    expect(r.codes).toEqual(codes); // handed back by place itself, in delivery order
    await expect(
      shop.c.orders.codesFor(asBuyer(ctx, await shop.user()), { orderId: r.order.id }),
    ).rejects.toMatchObject({ code: "order_not_found" });
    const events = await shop.c.orders.events(ctx, { orderId: r.order.id });
    expect(events.map((e) => `${e.fromStatus}>${e.toStatus}`)).toEqual([
      "null>CREATED",
      "CREATED>PAID",
      "PAID>FULFILLING",
      "FULFILLING>DELIVERED",
    ]);
    const outbox = await shop.prisma.outboxEvent.findMany({
      where: { payload: { path: ["orderId"], equals: r.order.id } },
    });
    expect(outbox.map((e) => e.type)).toEqual(["order.delivered"]);
    const delivered = await shop.order(r.order.id);
    expect(delivered.costTotal).toBe(2400n);
    expect(await shop.invariants()).toEqual(CLEAN);
  });

  it.skipIf(embedded)("a stock order paid from the wallet is one write to the database once warm", async () => {
    const product = await shop.codeProduct({ price: 100n, stock: 3 });
    const userId = await shop.user();
    await shop.fund(userId, 1000n);
    const place = (idempotencyKey: string) =>
      shop.c.orders.place(asBuyer(ctx, userId), {
        userId,
        productId: product.id,
        quantity: 1,
        idempotencyKey,
        payWith: "wallet",
      });
    expect(await place("warm")).toMatchObject({ ok: true }); // product, stock link and wallet account now known
    const writes = vi.spyOn(net.Socket.prototype as unknown as { _writeGeneric: () => void }, "_writeGeneric");
    try {
      // BEGIN, insert, claim, posting, transition and COMMIT leave together; the answer is one round trip.
      expect(await place("measured")).toMatchObject({ ok: true, order: { status: "DELIVERED" } });
      expect(writes).toHaveBeenCalledTimes(1);
    } finally {
      writes.mockRestore();
    }
  });

  it("replays the same key + body, refuses the same key with another body", async () => {
    const product = await shop.codeProduct({ stock: 5 });
    const userId = await shop.user();
    await shop.fund(userId, 10_000n);
    const input = { userId, productId: product.id, quantity: 1, idempotencyKey: "same", payWith: "wallet" as const };
    const [a, b] = await Promise.all([shop.c.orders.place(ctx, input), shop.c.orders.place(ctx, input)]);
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(a.order.id).toBe(b.order.id);
    expect([a.replayed, b.replayed].sort()).toEqual([false, true]);
    expect(await shop.walletBalance(userId)).toBe(9000n);
    const before = await counts();
    await expect(shop.c.orders.place(ctx, { ...input, quantity: 2 })).rejects.toMatchObject({
      code: "idempotency_conflict",
    });
    expect(await counts()).toEqual(before);
  });

  it("rolls everything back on out_of_stock and insufficient_funds", async () => {
    const product = await shop.codeProduct({ price: 1000n, stock: 2 });
    const rich = await shop.user();
    await shop.fund(rich, 100_000n);
    const poor = await shop.user();
    await shop.fund(poor, 500n);
    const before = await counts();
    expect(
      await shop.c.orders.place(ctx, {
        userId: rich,
        productId: product.id,
        quantity: 3,
        idempotencyKey: "x",
        payWith: "wallet",
      }),
    ).toEqual({ ok: false, code: "out_of_stock", available: 2 });
    expect(
      await shop.c.orders.place(ctx, {
        userId: poor,
        productId: product.id,
        quantity: 1,
        idempotencyKey: "y",
        payWith: "wallet",
      }),
    ).toEqual({ ok: false, code: "insufficient_funds" });
    expect(
      await shop.c.orders.place(ctx, {
        userId: rich,
        productId: product.id,
        quantity: 11,
        idempotencyKey: "z",
        payWith: "wallet",
      }),
    ).toMatchObject({ ok: false, code: "quantity_out_of_range" });
    expect(
      await shop.c.orders.place(ctx, {
        userId: rich,
        productId: "00000000-0000-7000-8000-000000000000",
        quantity: 1,
        idempotencyKey: "w",
        payWith: "wallet",
      }),
    ).toEqual({ ok: false, code: "product_unavailable" });
    expect(await counts()).toEqual(before);
    expect(await shop.walletBalance(poor)).toBe(500n);
  });

  it("40 concurrent orders against a wallet that covers 5: exactly 5 paid, never negative, nothing else changed", async () => {
    // The payment posting is sent with the order's last statement; a wallet running short must still
    // roll the whole placement back (codes, order, ledger) under contention.
    const stock = await shop.codeProduct({ price: 1000n, stock: 60, cost: 800n });
    const sim = await shop.supplier("wallet-race");
    const direct = await shop.directProduct([{ supplierId: sim.supplier.id, cost: 900n }], 1000n);
    for (const product of [stock, direct]) {
      const userId = await shop.user();
      await shop.fund(userId, 5000n);
      const before = await counts();
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          shop.c.orders.place(asBuyer(ctx, userId), {
            userId,
            productId: product.id,
            quantity: 1,
            idempotencyKey: `race-${i}`,
            payWith: "wallet",
            ...(product === direct ? { target: "13800138000" } : {}),
          }),
        ),
      );
      const ok = results.filter((r) => r.ok);
      expect(ok).toHaveLength(5);
      expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.code)).toEqual(Array(35).fill("insufficient_funds"));
      expect(await shop.walletBalance(userId)).toBe(0n);
      const after = await counts();
      expect(after.orders - before.orders).toBe(5);
      expect(after.ledgerTx - before.ledgerTx).toBe(5);
      expect(after.reserved - before.reserved).toBe(product === stock ? 5 : 0);
    }
    expect(await shop.invariants()).toEqual(CLEAN);
  });

  it("a product changed after it was cached is never sold on its old terms", async () => {
    const product = await shop.codeProduct({ price: 1000n, stock: 10 });
    const userId = await shop.user();
    await shop.fund(userId, 100_000n);
    const buy = (key: string, quantity = 1) =>
      shop.c.orders.place(asBuyer(ctx, userId), {
        userId,
        productId: product.id,
        quantity,
        idempotencyKey: key,
        payWith: "wallet",
      });
    expect(await buy("p1")).toMatchObject({ ok: true, order: { total: 1000n } }); // the product is now cached
    await shop.c.catalog.updateProduct(ctx, { productId: product.id, patch: { price: 1500n } });
    expect(await buy("p2")).toMatchObject({ ok: true, order: { unitPrice: 1500n, total: 1500n } });
    await shop.c.catalog.updateProduct(ctx, { productId: product.id, patch: { maxQty: 1 } });
    expect(await buy("p3", 2)).toMatchObject({ ok: false, code: "quantity_out_of_range", max: 1 });
    await shop.c.catalog.updateProduct(ctx, { productId: product.id, patch: { active: false } });
    expect(await buy("p4")).toEqual({ ok: false, code: "product_unavailable" });
    await shop.c.catalog.updateProduct(ctx, { productId: product.id, patch: { active: true, maxQty: 5 } });
    expect(await buy("p5", 2)).toMatchObject({ ok: true, order: { total: 3000n } });
    expect(await shop.walletBalance(userId)).toBe(100_000n - 1000n - 1500n - 3000n);
    expect(await shop.invariants()).toEqual(CLEAN);
  });

  it("an unpaid order holds its stock until it expires, then releases it", async () => {
    const product = await shop.codeProduct({ stock: 1 });
    const a = await shop.user();
    const b = await shop.user();
    await shop.fund(b, 10_000n);
    const later = await shop.c.orders.place(ctx, {
      userId: a,
      productId: product.id,
      quantity: 1,
      idempotencyKey: "later",
      payWith: "later",
    });
    expect(later).toMatchObject({ ok: true, order: { status: "CREATED" } });
    expect(
      await shop.c.orders.place(ctx, {
        userId: b,
        productId: product.id,
        quantity: 1,
        idempotencyKey: "b1",
        payWith: "wallet",
      }),
    ).toMatchObject({ ok: false, code: "out_of_stock" });
    expect(await shop.c.orders.expireDue(ctx)).toBe(0);
    clock.advance(16 * 60_000);
    expect(await shop.c.orders.expireDue(ctx)).toBe(1);
    if (later.ok) expect((await shop.order(later.order.id)).status).toBe("EXPIRED");
    expect(
      await shop.c.orders.place(ctx, {
        userId: b,
        productId: product.id,
        quantity: 1,
        idempotencyKey: "b2",
        payWith: "wallet",
      }),
    ).toMatchObject({ ok: true });
    if (later.ok)
      expect(await shop.c.orders.payFromWallet(asBuyer(ctx, a), { orderId: later.order.id })).toMatchObject({
        ok: false,
        code: "order_not_payable",
      });
  });

  it("a final transition that matches nothing fails its transaction: nothing before it commits", async () => {
    const product = await shop.codeProduct({ price: 100n, stock: 1 });
    const userId = await shop.user();
    await shop.fund(userId, 1000n);
    const r = await shop.c.orders.place(asBuyer(ctx, userId), {
      userId,
      productId: product.id,
      quantity: 1,
      idempotencyKey: "final",
      payWith: "wallet",
    });
    if (!r.ok) throw new Error(r.code);
    const before = await counts();
    const failure = await shop.c.db.sql
      .transaction(async (tx) => {
        await tx.execute(sql`INSERT INTO outbox_events (type, payload) VALUES ('probe', '{}')`);
        // Already DELIVERED: not at a status the path starts from.
        await shop.orderStore.finalTransition(tx, {
          orderId: r.order.id,
          path: ["PAID", "FULFILLING", "DELIVERED"],
        });
      })
      .catch((e: unknown) => e);
    expect(kamengFailure(failure)).toEqual({ reason: ORDER_NOT_AT_STATUS });
    expect(await counts()).toEqual(before);
  });

  it("pays a later order from the wallet once; cancels only CREATED orders", async () => {
    const product = await shop.codeProduct({ stock: 2 });
    const u = await shop.user();
    await shop.fund(u, 5_000n);
    const o = await shop.c.orders.place(ctx, {
      userId: u,
      productId: product.id,
      quantity: 1,
      idempotencyKey: "p",
      payWith: "later",
    });
    if (!o.ok) throw new Error("place failed");
    const [p1, p2] = await Promise.all([
      shop.c.orders.payFromWallet(asBuyer(ctx, u), { orderId: o.order.id }),
      shop.c.orders.payFromWallet(asBuyer(ctx, u), { orderId: o.order.id }),
    ]);
    expect([p1.ok, p2.ok]).toEqual([true, true]);
    expect(await shop.walletBalance(u)).toBe(4000n);
    await expect(shop.c.orders.cancel(asBuyer(ctx, u), { orderId: o.order.id })).rejects.toMatchObject({
      code: "order_not_cancellable",
    });
    const o2 = await shop.c.orders.place(ctx, {
      userId: u,
      productId: product.id,
      quantity: 1,
      idempotencyKey: "q",
      payWith: "later",
    });
    if (!o2.ok) throw new Error("place failed");
    expect(await shop.c.orders.cancel(asBuyer(ctx, u), { orderId: o2.order.id })).toMatchObject({
      status: "CANCELLED",
    });
    expect(await shop.prisma.code.count({ where: { orderId: o2.order.id } })).toBe(0);
  });
});
