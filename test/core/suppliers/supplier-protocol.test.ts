import { createHmac } from "node:crypto";
import { createServer, type AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createSupplierSim } from "../../../app/supplier-sim/index.ts";
import { ManualClock } from "../../../core/shared/index.ts";
import {
  classifySupplierFault,
  computeSignature,
  HttpSupplierClient,
  SIGNATURE_HEADER,
  signedHeaders,
  TIMESTAMP_HEADER,
  verifySignature,
  type SupplierFailed,
  type SupplierFault,
} from "../../../core/suppliers/index.ts";

const SECRET = "sim-secret-0123456789";

describe("supplier signatures", () => {
  const now = new Date("2026-03-01T12:00:00Z");
  const body = JSON.stringify({ request_key: "k1", status: "succeeded", external_ref: "X1" });

  it("signs hex HMAC-SHA256 over '<ts>.<rawBody>' and verifies its own signature", () => {
    const h = signedHeaders(SECRET, body, now);
    const ts = String(now.getTime() / 1000);
    expect(h[TIMESTAMP_HEADER]).toBe(ts);
    expect(h[SIGNATURE_HEADER]).toBe(createHmac("sha256", SECRET).update(`${ts}.${body}`).digest("hex"));
    expect(verifySignature(SECRET, new Headers(h), body, now)).toEqual({ ok: true });
    // plain header records, any case, as a raw Node request would carry them
    const lower = { "x-kameng-timestamp": h[TIMESTAMP_HEADER], "x-kameng-signature": h[SIGNATURE_HEADER] };
    expect(verifySignature(SECRET, lower, body, new Date(now.getTime() + 299_000))).toEqual({ ok: true });
  });

  it("rejects forged, tampered, stale, future, missing and malformed signatures", () => {
    const h = signedHeaders(SECRET, body, now);
    const ts = h[TIMESTAMP_HEADER]!;
    const reason = (headers: Record<string, string>, payload = body, at = now) => {
      const r = verifySignature(SECRET, headers, payload, at);
      return r.ok ? "ok" : r.reason;
    };
    expect(reason({ ...h, [SIGNATURE_HEADER]: computeSignature("another-secret-123456", ts, body) })).toBe("mismatch");
    expect(reason(h, body.replace("X1", "X2"))).toBe("mismatch");
    expect(reason(h, body, new Date(now.getTime() + 301_000))).toBe("stale");
    expect(reason(h, body, new Date(now.getTime() - 301_000))).toBe("stale");
    expect(reason({ [TIMESTAMP_HEADER]: ts })).toBe("missing");
    expect(reason({ [TIMESTAMP_HEADER]: "yesterday", [SIGNATURE_HEADER]: h[SIGNATURE_HEADER]! })).toBe("malformed");
  });
});

describe("supplier failure classification", () => {
  // A Record over every fault kind: adding a kind without a case here fails to compile.
  const cases: Record<
    SupplierFault["kind"],
    [SupplierFault, Pick<SupplierFailed, "reason" | "retryable" | "unknown">][]
  > = {
    timeout: [[{ kind: "timeout" }, { reason: "timeout", retryable: true, unknown: true }]],
    network: [
      [
        { kind: "network", sent: false, code: "ECONNREFUSED" },
        { reason: "network", retryable: true, unknown: false },
      ],
      [
        { kind: "network", sent: true, code: "ECONNRESET" },
        { reason: "network", retryable: true, unknown: true },
      ],
    ],
    http_status: [
      [
        { kind: "http_status", status: 503 },
        { reason: "unavailable", retryable: true, unknown: false },
      ],
      [
        { kind: "http_status", status: 500 },
        { reason: "server_error", retryable: true, unknown: true },
      ],
      [
        { kind: "http_status", status: 504 },
        { reason: "server_error", retryable: true, unknown: true },
      ],
      [
        { kind: "http_status", status: 429 },
        { reason: "rate_limited", retryable: true, unknown: false },
      ],
      [
        { kind: "http_status", status: 404 },
        { reason: "not_found", retryable: true, unknown: false },
      ],
      [
        { kind: "http_status", status: 400 },
        { reason: "rejected", retryable: false, unknown: false },
      ],
      [
        { kind: "http_status", status: 302 },
        { reason: "bad_response", retryable: false, unknown: true },
      ],
    ],
    explicit_failure: [[{ kind: "explicit_failure" }, { reason: "rejected", retryable: false, unknown: false }]],
    unknown_request: [[{ kind: "unknown_request" }, { reason: "not_found", retryable: true, unknown: false }]],
    bad_signature: [[{ kind: "bad_signature" }, { reason: "bad_signature", retryable: false, unknown: true }]],
    bad_response: [[{ kind: "bad_response" }, { reason: "bad_response", retryable: false, unknown: true }]],
  };

  it("maps every fault kind to retryable/unknown", () => {
    for (const [fault, expected] of Object.values(cases).flat())
      expect(classifySupplierFault(fault), JSON.stringify(fault)).toMatchObject({ status: "failed", ...expected });
  });

  it("throws on a fault kind it does not know (assertExhaustive)", () => {
    expect(() => classifySupplierFault({ kind: "gremlins" } as unknown as SupplierFault)).toThrow(
      /unhandled supplier fault/,
    );
  });
});

describe("HttpSupplierClient against the simulated supplier", () => {
  const clock = new ManualClock(new Date("2026-03-01T12:00:00Z"));
  const sim = createSupplierSim({ secret: SECRET, latencyMs: 0, clock, codeSkus: ["CARD-10"] });
  const viaSim: typeof fetch = (input, init) => Promise.resolve(sim.fetch(new Request(input, init)));
  const client = (over: { fetch?: typeof fetch; secret?: string; timeoutMs?: number } = {}) =>
    new HttpSupplierClient({ baseUrl: "http://sim.test/", secret: SECRET, clock, fetch: viaSim, ...over });
  const req = (key: string, sku = "CARD-10") => ({
    requestKey: key,
    sku,
    quantity: 2,
    target: null,
    callbackUrl: null,
  });

  it("places and queries: verified answers with codes", async () => {
    const placed = await client().place(req("c-1"));
    expect(placed).toMatchObject({ status: "succeeded", externalRef: expect.any(String) });
    expect(placed.status === "succeeded" && placed.codes).toHaveLength(2);
    expect(await client().query("c-1")).toEqual(placed);
    expect(await client().query("never-placed")).toMatchObject({
      status: "failed",
      reason: "not_found",
      unknown: false,
    });
  });

  it("treats tampered, unsigned or misdirected answers as unknown, never as success", async () => {
    const tamper: typeof fetch = async (input, init) => {
      const res = await viaSim(input, init);
      const text = (await res.text()).replace(/"succeeded"|"failed"/, '"succeeded"');
      return new Response(text.replace(/"code":"[^"]+"/, '"code":"FAKE"'), { status: 200, headers: res.headers });
    };
    expect(await client({ fetch: tamper }).place(req("c-2"))).toMatchObject({ reason: "bad_signature", unknown: true });
    const unsigned: typeof fetch = async () =>
      Response.json({ request_key: "c-3", status: "succeeded", external_ref: "X", codes: [{ code: "FREE" }] });
    expect(await client({ fetch: unsigned }).place(req("c-3"))).toMatchObject({
      reason: "bad_signature",
      unknown: true,
    });
    const otherKey: typeof fetch = async () => {
      const text = JSON.stringify({ request_key: "someone-else", status: "succeeded", external_ref: "X" });
      return new Response(text, { headers: signedHeaders(SECRET, text, clock.now()) });
    };
    expect(await client({ fetch: otherKey }).place(req("c-4"))).toMatchObject({
      reason: "bad_response",
      unknown: true,
    });
    // our request signed with the wrong secret: the supplier refuses it and we cannot verify its answer either
    expect(await client({ secret: "not-the-shared-secret" }).place(req("c-5"))).toMatchObject({ unknown: true });
    expect(sim.chargesFor("c-5")).toBe(0);
  });

  it("times out even when fetch ignores the abort signal, and reports refused connections as known", async () => {
    const never: typeof fetch = () => new Promise<Response>(() => {});
    expect(await client({ fetch: never, timeoutMs: 50 }).place(req("c-6"))).toEqual({
      status: "failed",
      retryable: true,
      unknown: true,
      reason: "timeout",
    });
    const port = await closedPort();
    const refused = new HttpSupplierClient({
      baseUrl: `http://127.0.0.1:${port}`,
      secret: SECRET,
      clock,
      timeoutMs: 2000,
    });
    expect(await refused.place(req("c-7"))).toMatchObject({ reason: "network", unknown: false, retryable: true });
  });
});

/** A local port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
