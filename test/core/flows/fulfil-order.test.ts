import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { FulfilmentRetry } from "../../../core/flows/index.ts";
import { signedHeaders } from "../../../core/suppliers/index.ts";
import { CLEAN, createShop, ctx, type Shop } from "../../e2e/support/shop.ts";

const MOBILE = "13800138000";

// Both SqlRunners: PostgreSQL's pipelined node-postgres and the embedded PGlite.
describe.each([
  { runner: "PostgreSQL, pipelined", embedded: false },
  { runner: "embedded PGlite", embedded: true },
])("fulfil-order flow: DIRECT top-ups through simulated suppliers ($runner)", ({ embedded }) => {
  let shop: Shop;
  // Callbacks from the sims reach the app in-process.
  const viaApp = (input: string | URL | Request, init?: RequestInit) => shop.app.request(String(input), init);
  // Orders an operator refunds while their supplier call is answering (between the answer and delivery).
  const refundMidway = new Set<string>();
  beforeAll(async () => {
    shop = await createShop("fulfilorder", {
      workers: false,
      embedded,
      container: {
        // Under the 2 s a hanging sim takes ("a timed-out call …"), well over a call racing nine others on a slow host.
        supplierTimeoutMs: 1_200,
        flowHooks: {
          afterSupplierCall: async (order) => {
            if (refundMidway.has(order.id)) await shop.c.orders.refund(ctx, { orderId: order.id, reason: "operator" });
          },
        },
      },
    });
  });
  afterAll(() => shop.dispose());

  const paidOrder = async (productId: string, price = 3000n) => {
    const userId = await shop.user();
    await shop.fund(userId, price);
    const r = await shop.c.orders.place(ctx, {
      userId,
      productId,
      quantity: 1,
      target: MOBILE,
      idempotencyKey: "o",
      payWith: "wallet",
    });
    if (!r.ok) throw new Error(`place failed: ${r.code}`);
    expect(await shop.walletBalance(userId)).toBe(0n);
    return { userId, order: r.order };
  };

  it("delivers through the cheapest supplier and settles at its cost, once", async () => {
    const a = await shop.supplier("direct-a");
    const b = await shop.supplier("direct-b");
    const product = await shop.directProduct([
      { supplierId: b.supplier.id, cost: 2900n },
      { supplierId: a.supplier.id, cost: 2800n },
    ]);
    const { order } = await paidOrder(product.id);
    const [r1, r2] = await Promise.all([
      shop.c.orders.fulfil(ctx, { orderId: order.id }),
      shop.c.orders.fulfil(ctx, { orderId: order.id }),
    ]);
    expect([r1.status, r2.status]).toEqual(["DELIVERED", "DELIVERED"]);
    expect([r1.changed, r2.changed].filter(Boolean)).toHaveLength(1);
    const done = await shop.order(order.id);
    expect(done).toMatchObject({ status: "DELIVERED", supplierId: a.supplier.id, costTotal: 2800n });
    expect(a.sim.stats().charges).toBe(1);
    expect(b.sim.stats().charges).toBe(0);
    expect(await shop.invariants()).toEqual(CLEAN);
  });

  it("first attempts from the order as placed, raced by runs that read it: bought, delivered and settled once", async () => {
    const a = await shop.supplier("first-a");
    const product = await shop.directProduct([{ supplierId: a.supplier.id, cost: 2800n }]);
    const { order } = await paidOrder(product.id);
    expect(order.status).toBe("PAID");
    const settlements = () => shop.prisma.ledgerTransaction.count({ where: { kind: "order_settlement" } });
    const before = await settlements();
    const results = await Promise.all([
      ...Array.from({ length: 6 }, () => shop.c.orders.fulfil(ctx, { orderId: order.id }, { known: order })),
      ...Array.from({ length: 4 }, () => shop.c.orders.fulfil(ctx, { orderId: order.id })),
    ]);
    expect(new Set(results.map((r) => r.status))).toEqual(new Set(["DELIVERED"]));
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    expect(a.sim.stats().charges).toBe(1);
    expect(await settlements()).toBe(before + 1);
    // The request's outcome was written with the delivery.
    const requests = await shop.prisma.supplierRequest.findMany({ where: { orderId: order.id } });
    expect(requests.map((r) => r.status)).toEqual(["SUCCEEDED"]);
    const events = await shop.c.orders.events(ctx, { orderId: order.id });
    expect(events.filter((e) => e.toStatus === "FULFILLING")).toHaveLength(1);
    expect(events.filter((e) => e.toStatus === "DELIVERED")).toHaveLength(1);

    // A late first attempt from the stale PAID order finds it delivered and changes nothing.
    expect(await shop.c.orders.fulfil(ctx, { orderId: order.id }, { known: order })).toMatchObject({
      status: "DELIVERED",
      changed: false,
    });
    expect(a.sim.stats().charges).toBe(1);
    expect(await settlements()).toBe(before + 1);
    expect(await shop.invariants()).toEqual(CLEAN);
  });

  it("a supplier's success for an order refunded meanwhile delivers and settles nothing", async () => {
    const a = await shop.supplier("midway-a");
    const product = await shop.directProduct([{ supplierId: a.supplier.id, cost: 2800n }]);
    const { userId, order } = await paidOrder(product.id);
    refundMidway.add(order.id);
    const settlements = () => shop.prisma.ledgerTransaction.count({ where: { kind: "order_settlement" } });
    const before = await settlements();
    expect(await shop.c.orders.fulfil(ctx, { orderId: order.id })).toMatchObject({
      status: "REFUNDED",
      changed: false,
    });
    expect(await shop.order(order.id)).toMatchObject({ status: "REFUNDED", settleTxId: null });
    expect(await settlements()).toBe(before);
    expect(await shop.walletBalance(userId)).toBe(3000n);
    expect(await shop.invariants()).toEqual(CLEAN);
  });

  it("resumes an order left FULFILLING before its supplier request was recorded: buys once", async () => {
    // A run that moved the order to FULFILLING and died (or is still on its way) before reaching the supplier.
    const a = await shop.supplier("resume-a");
    const product = await shop.directProduct([{ supplierId: a.supplier.id, cost: 2800n }]);
    const { order } = await paidOrder(product.id);
    const started = await shop.orderStore.transition(shop.c.db.sql, {
      orderId: order.id,
      path: ["PAID", "FULFILLING"],
      set: { supplierId: a.supplier.id },
    });
    expect(started?.status).toBe("FULFILLING");
    const results = await Promise.all([1, 2, 3].map(() => shop.c.orders.fulfil(ctx, { orderId: order.id })));
    expect(results.map((r) => r.status)).toEqual(["DELIVERED", "DELIVERED", "DELIVERED"]);
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    expect(a.sim.stats().charges).toBe(1);
    expect(await shop.invariants()).toEqual(CLEAN);
  });

  it("fails over when the primary is down", async () => {
    const a = await shop.supplier("down-a", { down: true });
    const b = await shop.supplier("up-b");
    const product = await shop.directProduct([
      { supplierId: a.supplier.id, cost: 2500n },
      { supplierId: b.supplier.id, cost: 2900n },
    ]);
    const { order } = await paidOrder(product.id);
    expect(await shop.c.orders.fulfil(ctx, { orderId: order.id })).toMatchObject({ status: "DELIVERED" });
    expect(await shop.order(order.id)).toMatchObject({ supplierId: b.supplier.id, costTotal: 2900n });
    expect(b.sim.stats().charges).toBe(1);
    const events = await shop.c.orders.events(ctx, { orderId: order.id });
    expect(events.some((e) => e.reason?.startsWith("failover"))).toBe(true);
  });

  it("all suppliers down: retries, then refunds on the last attempt with the balance restored", async () => {
    const a = await shop.supplier("dead-a", { down: true });
    const b = await shop.supplier("dead-b", { down: true });
    const product = await shop.directProduct([
      { supplierId: a.supplier.id, cost: 2500n },
      { supplierId: b.supplier.id, cost: 2600n },
    ]);
    const { userId, order } = await paidOrder(product.id);
    await expect(shop.c.orders.fulfil(ctx, { orderId: order.id })).rejects.toBeInstanceOf(FulfilmentRetry);
    expect((await shop.order(order.id)).status).toBe("FULFILLING");
    expect(await shop.c.orders.fulfil(ctx, { orderId: order.id }, { finalAttempt: true })).toMatchObject({
      status: "REFUNDED",
    });
    expect(await shop.walletBalance(userId)).toBe(3000n);
    expect(await shop.c.orders.fulfil(ctx, { orderId: order.id })).toMatchObject({
      status: "REFUNDED",
      changed: false,
    });
    expect(await shop.walletBalance(userId)).toBe(3000n);
    expect(await shop.invariants()).toEqual(CLEAN);
  });

  it("suppliers that refuse outright: refunded at once", async () => {
    const a = await shop.supplier("refuse-a", { failureRate: 1 });
    const product = await shop.directProduct([{ supplierId: a.supplier.id, cost: 2500n }]);
    const { userId, order } = await paidOrder(product.id);
    expect(await shop.c.orders.fulfil(ctx, { orderId: order.id })).toMatchObject({ status: "REFUNDED" });
    expect(await shop.walletBalance(userId)).toBe(3000n);
  });

  it("a timed-out call is queried, not re-bought elsewhere", async () => {
    const a = await shop.supplier("slow-a", { timeoutRate: 1, hangMs: 2_000 });
    const b = await shop.supplier("spare-b");
    const product = await shop.directProduct([
      { supplierId: a.supplier.id, cost: 2500n },
      { supplierId: b.supplier.id, cost: 2600n },
    ]);
    const { order } = await paidOrder(product.id);
    expect(await shop.c.orders.fulfil(ctx, { orderId: order.id })).toMatchObject({ status: "DELIVERED" });
    expect(await shop.order(order.id)).toMatchObject({ supplierId: a.supplier.id });
    expect(a.sim.stats().charges).toBe(1);
    expect(b.sim.stats().orders).toBe(0);
  });

  it("async supplier: pending, then the signed callback delivers once; duplicates, unknown keys and forgeries change nothing", async () => {
    const a = await shop.supplier("async-a", { asyncRate: 1, callbackDelayMs: 50, fetch: viaApp as typeof fetch });
    const product = await shop.directProduct([{ supplierId: a.supplier.id, cost: 2500n }]);
    const { order } = await paidOrder(product.id);
    expect(await shop.c.orders.fulfil(ctx, { orderId: order.id })).toMatchObject({
      status: "FULFILLING",
      pending: true,
    });
    await a.sim.idle();
    await shop.waitForStatus([order.id], ["DELIVERED"], 5_000);
    expect(a.sim.stats().callbacksDelivered).toBe(1);

    const requestKey = `${order.id}.${a.supplier.id}`;
    const body = JSON.stringify({ request_key: requestKey, status: "succeeded", external_ref: "SIM1" });
    const post = (path: string, text: string, secret = a.secret) =>
      shop.app.request(path, {
        method: "POST",
        headers: { "content-type": "application/json", ...signedHeaders(secret, text, new Date()) },
        body: text,
      });
    const settlements = () => shop.prisma.ledgerTransaction.count({ where: { kind: "order_settlement" } });
    const before = await settlements();

    const dup = await post(`/webhooks/suppliers/${a.supplier.code}`, body);
    expect(dup.status).toBe(200);
    expect(await dup.json()).toMatchObject({ status: "DELIVERED", changed: false });
    const alias = await post(`/v1/suppliers/${a.supplier.code}/callback`, body);
    expect(alias.status).toBe(200);

    const unknown = JSON.stringify({
      request_key: "0198a0a0-0000-7000-8000-000000000000.x",
      status: "succeeded",
      external_ref: "X",
    });
    const u = await post(`/webhooks/suppliers/${a.supplier.code}`, unknown);
    expect(u.status).toBe(404);
    expect(((await u.json()) as { error: { code: string } }).error.code).toBe("supplier_request_not_found");

    // Unauthenticated callers get one answer whatever the reason; the log says which.
    const warn = vi.spyOn(shop.c.logger, "warn");
    const refusals = [
      await post(`/webhooks/suppliers/${a.supplier.code}`, body, "not-the-secret"),
      await post(`/webhooks/suppliers/nobody`, body),
      await shop.app.request(`/webhooks/suppliers/${a.supplier.code}`, { method: "POST", body }),
      await shop.app.request(`/v1/suppliers/nobody/callback`, { method: "POST", body }),
    ];
    const answers = await Promise.all(
      refusals.map(async (r) => {
        const { error } = (await r.json()) as { error: { code: string; message: string } };
        return { status: r.status, code: error.code, message: error.message };
      }),
    );
    expect(new Set(answers.map((x) => JSON.stringify(x)))).toEqual(
      new Set([
        JSON.stringify({ status: 401, code: "unauthorized", message: "the callback could not be authenticated" }),
      ]),
    );
    const reasons = warn.mock.calls
      .filter(([, msg]) => msg === "supplier callback refused")
      .map(([o]) => (o as { reason: string }).reason);
    warn.mockRestore();
    expect(reasons).toEqual(["bad_signature", "supplier_not_found", "bad_signature", "supplier_not_found"]);

    expect(await settlements()).toBe(before);
    expect(a.sim.stats().charges).toBe(1);
    expect(await shop.invariants()).toEqual(CLEAN);
  });

  it("the poller/sweeper completes a pending order whose callback never came", async () => {
    const a = await shop.supplier("silent-a", {
      asyncRate: 1,
      callbackDelayMs: 20,
      fetch: (() => Promise.reject(new Error("no route"))) as typeof fetch,
      callbackAttempts: 1,
    });
    const product = await shop.directProduct([{ supplierId: a.supplier.id, cost: 2500n }]);
    const { order } = await paidOrder(product.id);
    expect(await shop.c.orders.fulfil(ctx, { orderId: order.id })).toMatchObject({ pending: true });
    await a.sim.idle();
    expect((await shop.order(order.id)).status).toBe("FULFILLING");
    const swept = await shop.c.orders.sweepStuck(ctx, { olderThanMs: 0 });
    expect(swept.find((s) => s.orderId === order.id)).toMatchObject({ status: "DELIVERED" });
    expect(a.sim.stats().charges).toBe(1);
  });

  it("a FULFILLING order past the deadline that is still pending is refunded (never limbo)", async () => {
    const a = await shop.supplier("never-a", { asyncRate: 1, callbackDelayMs: 60_000 });
    const product = await shop.directProduct([{ supplierId: a.supplier.id, cost: 2500n }]);
    const { userId, order } = await paidOrder(product.id);
    expect(await shop.c.orders.fulfil(ctx, { orderId: order.id })).toMatchObject({ pending: true });
    const swept = await shop.c.orders.sweepStuck(ctx, { olderThanMs: 0, deadlineMs: 0 });
    expect(swept.find((s) => s.orderId === order.id)).toMatchObject({ status: "REFUNDED" });
    expect(await shop.walletBalance(userId)).toBe(3000n);
  });
});
