import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSupplierSim, type RunningSupplierSim } from "../../../app/supplier-sim/index.ts";
import { DomainError, ManualClock, newId, SecretBox, systemContext, type Db } from "../../../core/shared/index.ts";
import {
  createSuppliers,
  signedHeaders,
  type Suppliers,
  type VerifiedCallback,
} from "../../../core/suppliers/index.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";

const SECRET = "sim-shared-secret-0123456789";
const CALLBACK_BASE = "http://kameng.test";
const ctx = systemContext("suppliers-test");

describe("suppliers", () => {
  let t: TestDatabase;
  let db: Db;
  let sim: RunningSupplierSim;
  let suppliers: Suppliers;
  const clock = new ManualClock(new Date());
  const secrets = new SecretBox(Buffer.alloc(32, 9));
  const received: VerifiedCallback[] = [];

  /** Stands in for the callback route the lead mounts: hands the raw request to verifyCallback. */
  const callbackRoute: typeof fetch = async (input, init) => {
    const req = new Request(input, init);
    const code = new URL(req.url).pathname.split("/").at(-1)!;
    try {
      received.push(
        await suppliers.verifyCallback(ctx, { supplierCode: code, rawBody: await req.text(), headers: req.headers }),
      );
      return new Response("ok");
    } catch (e) {
      return new Response((e as Error).message, {
        status: e instanceof DomainError && e.type === "not_found" ? 404 : 401,
      });
    }
  };

  const build = (over: Partial<Parameters<typeof createSuppliers>[0]> = {}) =>
    createSuppliers({
      prisma: db,
      sql: t.db.sql,
      clock,
      secrets,
      callbackBaseUrl: CALLBACK_BASE,
      breaker: { failureThreshold: 3, cooldownMs: 10_000 },
      timeoutMs: 2_000,
      ...over,
    });

  const httpSupplier = (code: string) =>
    suppliers.upsertSupplier(ctx, { code, name: code, kind: "HTTP", baseUrl: sim.url, secret: SECRET });

  beforeAll(async () => {
    t = await createTestDatabase("suppliers");
    db = t.db.prisma;
    sim = await startSupplierSim({ secret: SECRET, latencyMs: 5, clock, fetch: callbackRoute, codeSkus: ["CARD-10"] });
    suppliers = build();
  });
  afterAll(async () => {
    await sim?.stop();
    await t?.drop();
  });

  it("stores the shared secret encrypted and never returns it", async () => {
    const s = await httpSupplier("secretive");
    expect(s).toMatchObject({ hasSecret: true, kind: "HTTP", circuit: "closed" });
    expect(JSON.stringify(s)).not.toContain(SECRET);
    const row = await db.supplier.findUniqueOrThrow({ where: { id: s.id } });
    expect(row.secretEnc).not.toContain(SECRET);
    expect(secrets.decrypt(row.secretEnc!)).toBe(SECRET);
    // an update without a secret keeps it
    await suppliers.upsertSupplier(ctx, { code: "secretive", name: "renamed", kind: "HTTP" });
    expect((await db.supplier.findUniqueOrThrow({ where: { id: s.id } })).secretEnc).toBe(row.secretEnc);
  });

  it("routes by cost, then priority, leaving out inactive links and suppliers and excluded ids", async () => {
    const productId = newId();
    const mk = async (code: string, cost: bigint, priority: number, extra: { inactive?: "link" | "supplier" } = {}) => {
      const s = await suppliers.upsertSupplier(ctx, {
        code,
        name: code,
        kind: code.startsWith("stock") ? "STOCK" : "HTTP",
        active: extra.inactive !== "supplier",
      });
      await suppliers.linkProduct(ctx, {
        productId,
        supplierId: s.id,
        cost,
        priority,
        active: extra.inactive !== "link",
      });
      return s.id;
    };
    const a = await mk("route-a", 100n, 1);
    const b = await mk("route-b", 90n, 5);
    const c = await mk("route-c", 100n, 0);
    const stock = await mk("stock-own", 95n, 0);
    await mk("route-off", 1n, 0, { inactive: "supplier" });
    await mk("route-unlinked", 1n, 0, { inactive: "link" });
    const order = await suppliers.candidates(ctx, productId);
    expect(order.map((x) => x.supplierId)).toEqual([b, stock, c, a]);
    expect(order[1]).toMatchObject({ kind: "STOCK", cost: 95n });
    expect((await suppliers.candidates(ctx, productId, { exclude: [b, stock] })).map((x) => x.supplierId)).toEqual([
      c,
      a,
    ]);
  });

  it("opens the circuit after N consecutive failures and lets the supplier back after the cooldown", async () => {
    const productId = newId();
    const flaky = await httpSupplier("flaky");
    const backup = await suppliers.upsertSupplier(ctx, {
      code: "backup",
      name: "b",
      kind: "HTTP",
      baseUrl: sim.url,
      secret: SECRET,
    });
    await suppliers.linkProduct(ctx, { productId, supplierId: flaky.id, cost: 80n });
    await suppliers.linkProduct(ctx, { productId, supplierId: backup.id, cost: 120n });
    const place = (orderId = newId()) =>
      suppliers.place(ctx, {
        supplierId: flaky.id,
        orderId,
        requestKey: suppliers.requestKey(orderId, flaky.id),
        sku: "TOPUP-10",
        quantity: 1,
        target: "13800138000",
      });
    const ids = async () => (await suppliers.candidates(ctx, productId)).map((x) => x.code);

    sim.sim.setBehaviour({ down: true });
    try {
      for (let i = 0; i < 2; i++)
        expect(await place()).toMatchObject({ status: "failed", reason: "unavailable", unknown: false });
      expect(await ids()).toEqual(["flaky", "backup"]);
      await place();
      expect(await ids()).toEqual(["backup"]); // open: third consecutive failure
      expect(
        (await suppliers.candidates(ctx, productId, { includeOpen: true })).map((x) => [x.code, x.circuit]),
      ).toEqual([
        ["backup", "closed"],
        ["flaky", "open"],
      ]);
      clock.advance(10_001);
      expect((await suppliers.candidates(ctx, productId))[0]).toMatchObject({ code: "flaky", circuit: "half_open" });
      await place(); // the half-open probe fails: open again at once
      expect(await ids()).toEqual(["backup"]);
      clock.advance(10_001);
    } finally {
      sim.sim.setBehaviour({ down: false });
    }
    expect(await place()).toMatchObject({ status: "succeeded" }); // a successful probe closes it
    expect(await suppliers.getSupplier(ctx, flaky.id)).toMatchObject({
      circuit: "closed",
      consecutiveFailures: 0,
      circuitOpenUntil: null,
    });
    expect(await ids()).toEqual(["flaky", "backup"]);
  });

  it("places a request key once: replays do not call again; 10 concurrent calls charge once and keep one row", async () => {
    const s = await httpSupplier("dedupe");
    const orderId = newId();
    const requestKey = suppliers.requestKey(orderId, s.id);
    expect(requestKey).toBe(suppliers.requestKey(orderId, s.id));
    const input = { supplierId: s.id, orderId, requestKey, sku: "CARD-10", quantity: 2 };
    const first = await suppliers.place(ctx, input);
    expect(first).toMatchObject({ status: "succeeded", codes: [expect.any(Object), expect.any(Object)] });
    const calls = sim.stats().placeRequests;
    expect(await suppliers.place(ctx, input)).toEqual(first);
    expect(sim.stats().placeRequests).toBe(calls);
    // codes are stored encrypted, never in clear
    const row = await db.supplierRequest.findUniqueOrThrow({ where: { requestKey } });
    expect(row.status).toBe("SUCCEEDED");
    for (const c of first.status === "succeeded" ? first.codes! : [])
      expect(JSON.stringify(row.result)).not.toContain(c.code);
    // another order may not reuse the key
    await expect(suppliers.place(ctx, { ...input, orderId: newId() })).rejects.toMatchObject({
      code: "request_key_conflict",
    });

    const order2 = newId();
    const key2 = suppliers.requestKey(order2, s.id);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () =>
        suppliers.place(ctx, { ...input, orderId: order2, requestKey: key2, sku: "TOPUP-10", target: "13800138000" }),
      ),
    );
    expect(new Set(outcomes.map((o) => JSON.stringify(o))).size).toBe(1);
    expect(outcomes[0]).toMatchObject({ status: "succeeded", externalRef: expect.any(String) });
    expect(outcomes[0]).not.toHaveProperty("codes"); // a direct top-up returns no codes
    expect(sim.sim.chargesFor(key2)).toBe(1);
    expect(await db.supplierRequest.count({ where: { orderId: order2 } })).toBe(1);
  });

  it("treats a timeout as unknown; the request stays pending until a query finds it succeeded", async () => {
    const impatient = build({ timeoutMs: 150 });
    const s = await httpSupplier("slowpoke");
    const orderId = newId();
    const requestKey = impatient.requestKey(orderId, s.id);
    sim.sim.setBehaviour({ timeoutRate: 1, hangMs: 5_000 });
    const outcome = await impatient
      .place(ctx, { supplierId: s.id, orderId, requestKey, sku: "TOPUP-10", quantity: 1, target: "13800138000" })
      .finally(() => sim.sim.setBehaviour({ timeoutRate: 0 }));
    expect(outcome).toEqual({ status: "failed", retryable: true, unknown: true, reason: "timeout" });
    expect(sim.sim.chargesFor(requestKey)).toBe(1); // the supplier did process it
    const pending = await impatient.pendingRequests(ctx, { olderThanMs: 0 });
    expect(pending).toContainEqual(expect.objectContaining({ requestKey, orderId, lastError: "timeout" }));
    expect(await impatient.query(ctx, { supplierId: s.id, requestKey })).toMatchObject({ status: "succeeded" });
    expect((await db.supplierRequest.findUniqueOrThrow({ where: { requestKey } })).status).toBe("SUCCEEDED");
    expect((await impatient.pendingRequests(ctx, { olderThanMs: 0 })).map((p) => p.requestKey)).not.toContain(
      requestKey,
    );
    expect(sim.sim.chargesFor(requestKey)).toBe(1);
  });

  it("accepts a pending answer, then the supplier's signed callback completes it", async () => {
    const s = await httpSupplier("asyncy");
    const orderId = newId();
    const requestKey = suppliers.requestKey(orderId, s.id);
    sim.sim.setBehaviour({ asyncRate: 1, callbackDelayMs: 30 });
    const outcome = await suppliers
      .place(ctx, { supplierId: s.id, orderId, requestKey, sku: "CARD-10", quantity: 1 })
      .finally(() => sim.sim.setBehaviour({ asyncRate: 0 }));
    expect(outcome).toMatchObject({ status: "pending", externalRef: expect.any(String) });
    expect((await suppliers.pendingRequests(ctx, { olderThanMs: 0 })).map((p) => p.requestKey)).toContain(requestKey);
    await sim.sim.idle();
    expect(sim.stats().callbacksDelivered).toBeGreaterThanOrEqual(1);
    const cb = received.find((r) => r.requestKey === requestKey);
    expect(cb).toMatchObject({
      orderId,
      supplierId: s.id,
      outcome: { status: "succeeded", codes: [expect.any(Object)] },
    });
    expect((await db.supplierRequest.findUniqueOrThrow({ where: { requestKey } })).status).toBe("SUCCEEDED");
  });

  it("rejects forged, stale and misdirected callbacks", async () => {
    const s = await httpSupplier("callbacker");
    const orderId = newId();
    const requestKey = suppliers.requestKey(orderId, s.id);
    sim.sim.setBehaviour({ asyncRate: 1, callbackDelayMs: 60_000 }); // answered pending; we forge the callback
    await suppliers
      .place(ctx, { supplierId: s.id, orderId, requestKey, sku: "TOPUP-10", quantity: 1, target: "13800138000" })
      .finally(() => sim.sim.setBehaviour({ asyncRate: 0 }));
    const body = JSON.stringify({ request_key: requestKey, status: "succeeded", external_ref: "FORGED" });
    const verify = (rawBody: string, headers: Record<string, string>, supplierCode = "callbacker") =>
      suppliers.verifyCallback(ctx, { supplierCode, rawBody, headers });

    await expect(verify(body, signedHeaders("not-the-secret-at-all", body, clock.now()))).rejects.toMatchObject({
      type: "unauthorized",
    });
    await expect(verify(body, {})).rejects.toMatchObject({ type: "unauthorized" });
    const old = new Date(clock.now().getTime() - 6 * 60_000);
    await expect(verify(body, signedHeaders(SECRET, body, old))).rejects.toMatchObject({ type: "unauthorized" });
    const unknownKey = JSON.stringify({ request_key: "no-such-request", status: "succeeded", external_ref: "X" });
    await expect(verify(unknownKey, signedHeaders(SECRET, unknownKey, clock.now()))).rejects.toMatchObject({
      type: "not_found",
      code: "supplier_request_not_found",
    });
    await expect(verify(body, signedHeaders(SECRET, body, clock.now()), "nobody")).rejects.toMatchObject({
      type: "not_found",
    });
    expect((await db.supplierRequest.findUniqueOrThrow({ where: { requestKey } })).status).toBe("PENDING");

    // the genuine callback is accepted — and a later contradicting one does not overturn it
    const ok = await verify(body, signedHeaders(SECRET, body, clock.now()));
    expect(ok).toMatchObject({ orderId, outcome: { status: "succeeded", externalRef: "FORGED" } });
    const late = JSON.stringify({ request_key: requestKey, status: "failed", reason: "oops" });
    expect(await verify(late, signedHeaders(SECRET, late, clock.now()))).toMatchObject({
      outcome: { status: "succeeded" },
    });
  });
});
