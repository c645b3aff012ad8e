import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Order } from "../../../core/orders/index.ts";
import { systemCode } from "../../../core/ledger/index.ts";
import { asBuyer, sql } from "../../../core/shared/index.ts";
import { CLEAN, createShop, ctx, type Shop } from "../../e2e/support/shop.ts";

/*
 * 补单 (issue 11 §2): a product that accepts backorders takes paid orders while out of stock; they wait in
 * AWAITING_STOCK with the money in escrow, imports fill them oldest first and exactly once (concurrent
 * placements, imports and fills), staff re-route or refund them, and the job refunds the overdue ones.
 */
describe.each([
  { runner: "PostgreSQL, pipelined", embedded: false },
  { runner: "embedded PGlite", embedded: true },
])("backorders ($runner)", ({ embedded }) => {
  let shop: Shop;
  beforeAll(async () => {
    shop = await createShop(`backorders${embedded ? "e" : ""}`, { workers: false, embedded });
  });
  afterAll(() => shop.dispose());

  async function backorderProduct(price = 1000n) {
    const p = await shop.codeProduct({ price });
    return shop.c.catalog.updateProduct(ctx, { productId: p.id, patch: { acceptBackorders: true } });
  }

  async function place(productId: string, opts: { payWith?: "wallet" | "later"; fund?: bigint } = {}) {
    const userId = await shop.user();
    if ((opts.fund ?? 10_000n) > 0n) await shop.fund(userId, opts.fund ?? 10_000n);
    const r = await shop.c.orders.place(asBuyer(ctx, userId), {
      userId,
      productId,
      quantity: 1,
      idempotencyKey: `bo-${userId}`,
      payWith: opts.payWith ?? "wallet",
    });
    if (!r.ok) throw new Error(`not placed: ${r.code}`);
    return { userId, order: r.order, codes: r.codes };
  }

  const escrow = async () => (await shop.c.ledger.balance(ctx, systemCode("order_escrow", "CNY"))).balance;
  const statusOf = async (id: string) => (await shop.order(id)).status;
  const outboxTypes = async (orderId: string) =>
    (
      await shop.c.db.sql.query<{ type: string; from: string | null }>(
        sql`SELECT type, payload->>'from' AS "from" FROM outbox_events WHERE payload->>'orderId' = ${orderId}::text ORDER BY id`,
      )
    ).map((r) => `${r.type}<${r.from ?? "-"}`);

  it("a paid order with no stock waits in AWAITING_STOCK, its money in escrow; a normal product still refuses", async () => {
    const p = await backorderProduct(1500n);
    const before = await escrow();
    const { userId, order, codes } = await place(p.id);
    expect(order.status).toBe("AWAITING_STOCK");
    expect(codes).toBeUndefined();
    expect(order.paidAt).not.toBeNull();
    expect(await shop.walletBalance(userId)).toBe(10_000n - 1500n);
    expect(await escrow()).toBe(before + 1500n);
    expect(await outboxTypes(order.id)).toEqual(["order.awaiting_stock<CREATED"]);

    const normal = await shop.codeProduct();
    const userId2 = await shop.user();
    await shop.fund(userId2, 10_000n);
    const r = await shop.c.orders.place(asBuyer(ctx, userId2), {
      userId: userId2,
      productId: normal.id,
      quantity: 1,
      idempotencyKey: "x",
      payWith: "wallet",
    });
    expect(r).toMatchObject({ ok: false, code: "out_of_stock" });
    expect(await shop.walletBalance(userId2)).toBe(10_000n);
  });

  it("with stock and nobody waiting, a backorder product sells at once like any stock order", async () => {
    const p = await backorderProduct();
    await shop.importCodes(p.id, 1);
    const { order, codes } = await place(p.id);
    expect(order.status).toBe("DELIVERED");
    expect(codes).toHaveLength(1);
  });

  it("an import fills the waiting orders oldest first; the rest keep waiting; a new buyer never jumps the line", async () => {
    const p = await backorderProduct();
    const waiting: Order[] = [];
    for (let i = 0; i < 5; i++) waiting.push((await place(p.id)).order);
    // Codes arrive without a fill (a crash after the import): a new buyer still queues behind the five.
    await shop.importCodes(p.id, 3);
    const late = await place(p.id);
    expect(late.order.status).toBe("AWAITING_STOCK");

    const { filled } = await shop.c.orders.fillBackorders(ctx, { productId: p.id });
    expect(filled.map((o) => o.id)).toEqual(waiting.slice(0, 3).map((o) => o.id));
    for (const o of waiting.slice(0, 3)) {
      expect(await statusOf(o.id)).toBe("DELIVERED");
      expect(await outboxTypes(o.id)).toEqual(["order.awaiting_stock<CREATED", "order.delivered<AWAITING_STOCK"]);
    }
    for (const o of [...waiting.slice(3), late.order]) expect(await statusOf(o.id)).toBe("AWAITING_STOCK");
    const list = await shop.c.orders.backorders(ctx, { productId: p.id });
    expect(list.map((o) => o.id)).toEqual([...waiting.slice(3), late.order].map((o) => o.id));

    await shop.importCodes(p.id, 3);
    const second = await shop.c.orders.fillBackorders(ctx, { productId: p.id });
    expect(second.filled.map((o) => o.id)).toEqual([...waiting.slice(3), late.order].map((o) => o.id));
    expect(await shop.invariants()).toEqual(CLEAN);
  });

  it("concurrent placements, imports and fills deliver every order exactly once", async () => {
    const p = await backorderProduct();
    const buyers = 24;
    const imports = 4;
    const perImport = buyers / imports;
    const placed = Promise.all(Array.from({ length: buyers }, () => place(p.id)));
    const restocked = Promise.all(
      Array.from({ length: imports }, async (_, i) => {
        await shop.importCodes(p.id, perImport, `conc-${i}-${embedded}`);
        // Several fills at once for each import.
        await Promise.all(Array.from({ length: 3 }, () => shop.c.orders.fillBackorders(ctx, { productId: p.id })));
      }),
    );
    const [orders] = await Promise.all([placed, restocked]);
    // Whatever the interleaving, one more fill leaves nothing that stock could cover.
    await shop.c.orders.fillBackorders(ctx, { productId: p.id });
    const ids = orders.map((o) => o.order.id);
    const rows = await shop.waitForStatus(ids, ["DELIVERED"], 5_000);
    expect(rows).toHaveLength(buyers);
    const [sold] = await shop.c.db.sql.query<{ n: bigint; orders: bigint }>(
      sql`SELECT count(*) AS n, count(DISTINCT c.order_id) AS orders FROM codes c WHERE c.product_id = ${p.id}::uuid AND c.status = 'SOLD'`,
    );
    expect(Number(sold!.n)).toBe(buyers);
    expect(Number(sold!.orders)).toBe(buyers);
    expect(await shop.invariants()).toEqual(CLEAN);
  });

  it("twenty fills at once of ten waiting orders deliver each once", async () => {
    const p = await backorderProduct();
    const waiting = [];
    for (let i = 0; i < 10; i++) waiting.push((await place(p.id)).order.id);
    await shop.importCodes(p.id, 10);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => shop.c.orders.fillBackorders(ctx, { productId: p.id })),
    );
    expect(results.reduce((n, r) => n + r.filled.length, 0)).toBe(10);
    await shop.waitForStatus(waiting, ["DELIVERED"], 1_000);
    expect(await shop.invariants()).toEqual(CLEAN);
  });

  it("an order paid later with no stock waits once fulfilled (the buyer is told), and is filled by an import", async () => {
    const p = await backorderProduct();
    const { userId, order } = await place(p.id, { payWith: "later" });
    expect(order.status).toBe("CREATED");
    const paid = await shop.c.orders.payFromWallet(asBuyer(ctx, userId), { orderId: order.id });
    expect(paid).toMatchObject({ ok: true });
    const f = await shop.c.orders.fulfil(ctx, { orderId: order.id });
    expect(f.status).toBe("AWAITING_STOCK");
    expect(await outboxTypes(order.id)).toContain("order.awaiting_stock<PAID");
    // Running the job again changes nothing.
    expect(await shop.c.orders.fulfil(ctx, { orderId: order.id })).toMatchObject({ changed: false });
    await shop.importCodes(p.id, 1);
    const { filled } = await shop.c.orders.fillBackorders(ctx, { productId: p.id });
    expect(filled.map((o) => o.id)).toEqual([order.id]);
    expect(await shop.invariants()).toEqual(CLEAN);
  });

  it("the job refunds orders waiting longer than the limit (once), and leaves younger ones", async () => {
    const p = await backorderProduct(2000n);
    const old = await place(p.id);
    await shop.c.db.sql.query(
      sql`UPDATE orders SET paid_at = now() - interval '2 hours' WHERE id = ${old.order.id}::uuid`,
    );
    const young = await place(p.id);
    const runs = await Promise.all(
      Array.from({ length: 5 }, () => shop.c.orders.sweepBackorders(ctx, { maxWaitMs: 60 * 60_000 })),
    );
    expect(runs.reduce((n, r) => n + r.refunded, 0)).toBe(1);
    expect(await statusOf(old.order.id)).toBe("REFUNDED");
    expect(await statusOf(young.order.id)).toBe("AWAITING_STOCK");
    expect(await shop.walletBalance(old.userId)).toBe(10_000n);
    expect(await outboxTypes(old.order.id)).toEqual(["order.awaiting_stock<CREATED", "order.refunded<AWAITING_STOCK"]);
    expect(await shop.invariants()).toEqual(CLEAN);
  });

  it("staff fill one by hand, re-routing needs a supplier, and a waiting order can be refunded", async () => {
    const p = await backorderProduct();
    const first = await place(p.id);
    const second = await place(p.id);
    // Out of stock: by hand too.
    expect(await shop.c.orders.fillBackorder(ctx, { orderId: second.order.id })).toEqual({
      ok: false,
      code: "out_of_stock",
    });
    await shop.importCodes(p.id, 1);
    // Staff's call: the second one first.
    const r = await shop.c.orders.fillBackorder(ctx, { orderId: second.order.id });
    expect(r).toMatchObject({ ok: true, order: { status: "DELIVERED" } });
    await expect(shop.c.orders.fillBackorder(ctx, { orderId: second.order.id })).rejects.toMatchObject({
      code: "order_not_awaiting_stock",
    });
    await expect(shop.c.orders.rerouteBackorder(ctx, { orderId: first.order.id })).rejects.toMatchObject({
      code: "no_supplier",
    });
    const refunded = await shop.c.orders.refund(ctx, { orderId: first.order.id, reason: "customer asked" });
    expect(refunded.status).toBe("REFUNDED");
    expect(await shop.walletBalance(first.userId)).toBe(10_000n);
    expect(await shop.invariants()).toEqual(CLEAN);
  });

  it("a waiting order re-routed to a supplier is bought there and delivered with the supplier's codes", async () => {
    const p = await backorderProduct(3000n);
    const { supplier } = await shop.supplier(`bo-sim-${embedded ? "e" : "p"}`);
    await shop.c.suppliers.linkProduct(ctx, { productId: p.id, supplierId: supplier.id, cost: 2500n });
    const { order } = await place(p.id);
    expect(order.status).toBe("AWAITING_STOCK");
    const r = await shop.c.orders.rerouteBackorder(ctx, { orderId: order.id });
    expect(r.status).toBe("DELIVERED");
    const codes = await shop.c.db.sql.query<{ n: bigint }>(
      sql`SELECT count(*) AS n FROM order_codes WHERE order_id = ${order.id}::uuid`,
    );
    expect(Number(codes[0]!.n)).toBe(1);
    expect(await shop.invariants()).toEqual(CLEAN);
  });
});
