import { describe, expect, it } from "vitest";
import { createSupplierSim, startSupplierSim, type SupplierSimOptions } from "../../../app/supplier-sim/index.ts";
import { ManualClock } from "../../../core/shared/index.ts";
import { queryPayload, signedHeaders, verifySignature } from "../../../core/suppliers/index.ts";

const SECRET = "sim-secret-abcdef0123456789";

describe("simulated supplier", () => {
  const clock = new ManualClock(new Date("2026-03-01T12:00:00Z"));
  const newSim = (over: Partial<SupplierSimOptions> = {}) =>
    createSupplierSim({ secret: SECRET, latencyMs: 0, clock, codeSkus: ["CARD-10"], ...over });
  const order = (key: string, over: Record<string, unknown> = {}) =>
    JSON.stringify({
      request_key: key,
      sku: "TOPUP-10",
      quantity: 1,
      target: "13800138000",
      callback_url: null,
      ...over,
    });
  const post = async (
    sim: ReturnType<typeof newSim>,
    body: string,
    headers = signedHeaders(SECRET, body, clock.now()),
  ) =>
    await sim.app.request("/orders", {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers },
    });
  const get = (sim: ReturnType<typeof newSim>, key: string) =>
    sim.app.request(`/orders/${key}`, { headers: signedHeaders(SECRET, queryPayload(key), clock.now()) });
  /** Every answer is signed by the supplier. */
  const readSigned = async (res: Response) => {
    const text = await res.text();
    expect(verifySignature(SECRET, res.headers, text, clock.now())).toEqual({ ok: true });
    return JSON.parse(text) as Record<string, unknown>;
  };

  it("refuses unsigned, forged and stale requests without charging", async () => {
    const sim = newSim();
    const body = order("k-auth");
    expect((await post(sim, body, {})).status).toBe(401);
    expect((await post(sim, body, signedHeaders("forged-secret-0000000000", body, clock.now()))).status).toBe(401);
    expect((await post(sim, body, signedHeaders(SECRET, body, new Date(clock.now().getTime() - 301_000)))).status).toBe(
      401,
    );
    expect((await sim.app.request("/orders/k-auth")).status).toBe(401);
    expect(sim.stats()).toMatchObject({ orders: 0, charges: 0, rejectedSignatures: 4 });
  });

  it("dedupes on request_key: the same answer, one charge; a different body under the same key is refused", async () => {
    const sim = newSim();
    const first = await readSigned(await post(sim, order("k-1")));
    expect(first).toMatchObject({ request_key: "k-1", status: "succeeded", external_ref: expect.any(String) });
    expect(first.codes).toBeUndefined(); // a direct top-up
    expect(await readSigned(await post(sim, order("k-1")))).toEqual(first);
    const all = await Promise.all(Array.from({ length: 5 }, () => post(sim, order("k-2")).then(readSigned)));
    expect(new Set(all.map((a) => a.external_ref)).size).toBe(1);
    expect((await post(sim, order("k-1", { quantity: 3 }))).status).toBe(409);
    expect(sim.stats()).toMatchObject({
      placeRequests: 8,
      orders: 2,
      charges: 2,
      chargesByKey: { "k-1": 1, "k-2": 1 },
    });
    expect(await readSigned(await get(sim, "k-1"))).toEqual(first);
    const missing = await get(sim, "k-none");
    expect(missing.status).toBe(404);
    expect(await readSigned(missing)).toEqual({ request_key: "k-none", error: "not_found" });
  });

  it("answers code products with generated codes", async () => {
    const sim = newSim();
    const a = await readSigned(await post(sim, order("k-codes", { sku: "CARD-10", quantity: 3, target: null })));
    expect(a.codes).toHaveLength(3);
    expect(new Set((a.codes as { code: string }[]).map((c) => c.code)).size).toBe(3);
  });

  it("changes behaviour at runtime: failures are not charged, 'down' answers 503", async () => {
    const sim = newSim({ failureRate: 1 });
    expect(await readSigned(await post(sim, order("k-fail")))).toMatchObject({
      status: "failed",
      reason: "simulated_failure",
    });
    expect(sim.chargesFor("k-fail")).toBe(0);
    sim.setBehaviour({ failureRate: 0, down: true });
    expect((await post(sim, order("k-down"))).status).toBe(503);
    sim.setBehaviour({ down: false });
    expect(await readSigned(await post(sim, order("k-up")))).toMatchObject({ status: "succeeded" });
    expect(sim.behaviour()).toMatchObject({ failureRate: 0, down: false });
  });

  it("async: answers pending, then posts a signed callback after the delay", async () => {
    const calls: { url: string; body: string; headers: Headers }[] = [];
    const sim = newSim({
      asyncRate: 1,
      callbackDelayMs: 20,
      fetch: async (input, init) => {
        const req = new Request(input, init);
        calls.push({ url: req.url, body: await req.text(), headers: req.headers });
        return new Response("ok");
      },
    });
    const a = await readSigned(
      await post(sim, order("k-async", { callback_url: "http://shop.test/webhooks/suppliers/sim" })),
    );
    expect(a).toMatchObject({ status: "pending" });
    await sim.idle();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe("http://shop.test/webhooks/suppliers/sim");
    expect(verifySignature(SECRET, calls[0]!.headers, calls[0]!.body, clock.now())).toEqual({ ok: true });
    expect(JSON.parse(calls[0]!.body)).toMatchObject({
      request_key: "k-async",
      status: "succeeded",
      external_ref: a.external_ref,
    });
    expect(sim.stats()).toMatchObject({ charges: 1, callbacksDelivered: 1 });
  });

  it("listens on a real port", async () => {
    const running = await startSupplierSim({ secret: SECRET, port: 0 });
    try {
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(`${running.url}/health`)).json()).toEqual({ ok: true });
      expect(running.stats().orders).toBe(0);
    } finally {
      await running.stop();
    }
  });
});
