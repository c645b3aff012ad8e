import { randomBytes } from "node:crypto";
import { Hono } from "hono";
import { requestHash, systemClock, type Clock } from "../../core/shared/index.ts";
import {
  placeOrderBodySchema,
  queryPayload,
  signedHeaders,
  verifySignature,
  type PlaceOrderBody,
  type SupplierAnswer,
} from "../../core/suppliers/index.ts";

/** What the simulated supplier does; every field can be changed at runtime with `setBehaviour`. */
export interface SupplierSimBehaviour {
  /** Processing time before answering. */
  latencyMs: number;
  /** Share of new orders answered `failed` (not charged). */
  failureRate: number;
  /** Share of new orders processed and charged but answered only after `hangMs` (the client times out). */
  timeoutRate: number;
  /** Share of new orders answered `pending`, completed `callbackDelayMs` later with a signed callback. */
  asyncRate: number;
  callbackDelayMs: number;
  /** How long a "timeout" answer hangs: longer than any client timeout. */
  hangMs: number;
  /** Answer 503 to everything: the supplier is down (by protocol: nothing accepted, nothing charged). */
  down: boolean;
}

export interface SupplierSimOptions extends Partial<SupplierSimBehaviour> {
  /** The shared HMAC secret. */
  secret: string;
  /** Drives the failure/timeout/async draws; inject a seeded one for reproducible runs. */
  random?: () => number;
  /** Used to post callbacks. */
  fetch?: typeof fetch;
  clock?: Clock;
  /** SKUs answered with generated card codes; other SKUs are direct top-ups. Default: codes when `target` is null. */
  codeSkus?: Iterable<string>;
  callbackAttempts?: number;
  callbackRetryMs?: number;
}

export interface SupplierSimStats {
  /** POST /orders received with a valid signature, duplicates included. */
  placeRequests: number;
  queries: number;
  /** Distinct request keys accepted. */
  orders: number;
  /** Total charges; each request key is charged at most once. */
  charges: number;
  chargesByKey: Record<string, number>;
  rejectedSignatures: number;
  callbacksDelivered: number;
  callbacksFailed: number;
}

type SimStatus = "processing" | "pending" | "succeeded" | "failed";

interface SimOrder {
  requestKey: string;
  requestHash: string;
  sku: string;
  quantity: number;
  target: string | null;
  callbackUrl: string | null;
  status: SimStatus;
  externalRef: string;
  codes?: { code: string; password: string }[];
  reason?: string;
  charges: number;
  /** Resolves once the first answer is decided (after the latency). */
  decided: Promise<void>;
}

export interface SupplierSim {
  /** The Hono app: POST /orders, GET /orders/:requestKey, GET /health. */
  app: Hono;
  fetch: (req: Request) => Response | Promise<Response>;
  stats(): SupplierSimStats;
  chargesFor(requestKey: string): number;
  behaviour(): SupplierSimBehaviour;
  setBehaviour(change: Partial<SupplierSimBehaviour>): void;
  /** Resolves when no callback is scheduled or in flight. */
  idle(): Promise<void>;
  /** Cancels scheduled callbacks and releases hanging answers. */
  close(): void;
}

const DEFAULTS: SupplierSimBehaviour = {
  latencyMs: 50,
  failureRate: 0,
  timeoutRate: 0,
  asyncRate: 0,
  callbackDelayMs: 500,
  hangMs: 30_000,
  down: false,
};

/**
 * A simulated upstream supplier speaking the generic signed protocol (core/suppliers/supplier-protocol.ts),
 * with configurable latency, failures, timeouts and async callbacks. Like a real supplier it dedupes on
 * `request_key` — a repeated key returns the recorded result and is never charged again — and a "timeout"
 * still processes and charges the order: only the answer is lost.
 */
export function createSupplierSim(opts: SupplierSimOptions): SupplierSim {
  let behaviour: SupplierSimBehaviour = { ...DEFAULTS, ...pickBehaviour(opts) };
  const random = opts.random ?? Math.random;
  const fetchFn = opts.fetch ?? globalThis.fetch;
  const clock = opts.clock ?? systemClock;
  const codeSkus = opts.codeSkus ? new Set(opts.codeSkus) : null;
  const callbackAttempts = opts.callbackAttempts ?? 5;
  const callbackRetryMs = opts.callbackRetryMs ?? 200;
  const orders = new Map<string, SimOrder>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const waiters = new Set<() => void>();
  const inFlight = new Set<Promise<void>>();
  let closed = false;
  let seq = 0;
  const stats: SupplierSimStats = {
    placeRequests: 0,
    queries: 0,
    orders: 0,
    charges: 0,
    chargesByKey: {},
    rejectedSignatures: 0,
    callbacksDelivered: 0,
    callbacksFailed: 0,
  };

  /** A timer that `close()` can cut short. */
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      if (closed || ms <= 0) return resolve();
      const done = () => {
        clearTimeout(t);
        timers.delete(t);
        waiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      timers.add(t);
      waiters.add(done);
    });

  const signed = (status: number, body: unknown): Response => {
    const text = JSON.stringify(body);
    return new Response(text, {
      status,
      headers: { "content-type": "application/json", ...signedHeaders(opts.secret, text, clock.now()) },
    });
  };

  const answerOf = (o: SimOrder): SupplierAnswer => {
    switch (o.status) {
      case "processing":
      case "pending":
        return { request_key: o.requestKey, status: "pending", external_ref: o.externalRef };
      case "succeeded":
        return o.codes
          ? { request_key: o.requestKey, status: "succeeded", external_ref: o.externalRef, codes: o.codes }
          : { request_key: o.requestKey, status: "succeeded", external_ref: o.externalRef };
      case "failed":
        return {
          request_key: o.requestKey,
          status: "failed",
          external_ref: o.externalRef,
          reason: o.reason ?? "failed",
        };
    }
  };

  const charge = (o: SimOrder) => {
    if (o.charges > 0) return; // a request key is charged at most once, whatever happens
    o.charges = 1;
    stats.charges += 1;
    stats.chargesByKey[o.requestKey] = 1;
  };

  const complete = (o: SimOrder) => {
    o.status = "succeeded";
    const wantsCodes = codeSkus ? codeSkus.has(o.sku) : o.target === null;
    if (wantsCodes) o.codes = Array.from({ length: o.quantity }, () => generateCode());
  };

  const sendCallback = async (o: SimOrder) => {
    if (!o.callbackUrl) return;
    const text = JSON.stringify(answerOf(o));
    for (let attempt = 1; attempt <= callbackAttempts && !closed; attempt++) {
      try {
        const res = await fetchFn(o.callbackUrl, {
          method: "POST",
          headers: { "content-type": "application/json", ...signedHeaders(opts.secret, text, clock.now()) },
          body: text,
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          stats.callbacksDelivered += 1;
          return;
        }
        // A 4xx other than 429 will not change on retry (bad signature, unknown key): give up.
        if (res.status >= 400 && res.status < 500 && res.status !== 429) break;
      } catch {
        // the receiver is unreachable: retry
      }
      if (attempt < callbackAttempts) await wait(callbackRetryMs * attempt);
    }
    stats.callbacksFailed += 1;
  };

  const track = (p: Promise<void>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  const scheduleCompletion = (o: SimOrder) =>
    track(
      (async () => {
        await wait(behaviour.callbackDelayMs);
        if (closed) return;
        complete(o);
        await sendCallback(o);
      })(),
    );

  const app = new Hono();
  app.get("/health", (c) => c.json({ ok: true }));

  app.post("/orders", async (c) => {
    if (behaviour.down) return signed(503, { error: "unavailable" });
    const raw = await c.req.text();
    const check = verifySignature(opts.secret, c.req.raw.headers, raw, clock.now());
    if (!check.ok) {
      stats.rejectedSignatures += 1;
      return signed(401, { error: `signature_${check.reason}` });
    }
    stats.placeRequests += 1;
    let body;
    try {
      body = placeOrderBodySchema.parse(JSON.parse(raw));
    } catch {
      return signed(400, { error: "bad_request" });
    }
    const hash = requestHashOf(body);
    const existing = orders.get(body.request_key);
    if (existing) {
      if (existing.requestHash !== hash)
        return signed(409, { request_key: body.request_key, error: "request_key_reused" });
      await existing.decided;
      return signed(200, answerOf(existing));
    }
    // Recorded before the first await, so concurrent duplicates find it and wait for the same result.
    let decide!: () => void;
    const order: SimOrder = {
      requestKey: body.request_key,
      requestHash: hash,
      sku: body.sku,
      quantity: body.quantity,
      target: body.target,
      callbackUrl: body.callback_url,
      status: "processing",
      externalRef: `SIM${String(++seq).padStart(8, "0")}`,
      charges: 0,
      decided: new Promise<void>((r) => (decide = r)),
    };
    orders.set(body.request_key, order);
    stats.orders += 1;
    const b = behaviour;
    const fails = random() < b.failureRate;
    const hangs = !fails && random() < b.timeoutRate;
    const async = !fails && random() < b.asyncRate;
    await wait(b.latencyMs);
    if (fails) {
      order.status = "failed";
      order.reason = "simulated_failure";
    } else {
      charge(order);
      if (async) {
        order.status = "pending";
        scheduleCompletion(order);
      } else complete(order);
    }
    decide();
    if (hangs) await wait(b.hangMs);
    return signed(200, answerOf(order));
  });

  app.get("/orders/:requestKey", (c) => {
    if (behaviour.down) return signed(503, { error: "unavailable" });
    const key = c.req.param("requestKey");
    const check = verifySignature(opts.secret, c.req.raw.headers, queryPayload(key), clock.now());
    if (!check.ok) {
      stats.rejectedSignatures += 1;
      return signed(401, { error: `signature_${check.reason}` });
    }
    stats.queries += 1;
    const order = orders.get(key);
    if (!order) return signed(404, { request_key: key, error: "not_found" });
    return signed(200, answerOf(order));
  });

  return {
    app,
    fetch: (req) => app.fetch(req),
    stats: () => ({ ...stats, chargesByKey: { ...stats.chargesByKey } }),
    chargesFor: (key) => orders.get(key)?.charges ?? 0,
    behaviour: () => ({ ...behaviour }),
    setBehaviour(change) {
      behaviour = { ...behaviour, ...pickBehaviour(change) };
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    close() {
      closed = true;
      for (const done of [...waiters]) done();
    },
  };
}

function pickBehaviour(o: Partial<SupplierSimBehaviour>): Partial<SupplierSimBehaviour> {
  const out: Partial<SupplierSimBehaviour> = {};
  for (const k of Object.keys(DEFAULTS) as (keyof SupplierSimBehaviour)[]) {
    if (o[k] !== undefined) (out as Record<string, unknown>)[k] = o[k];
  }
  return out;
}

/** Same key, same request? A reused key with a different body is refused, as a real supplier would. */
function requestHashOf(body: PlaceOrderBody): string {
  return requestHash({ sku: body.sku, quantity: body.quantity, target: body.target });
}

const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

function generateCode(): { code: string; password: string } {
  const bytes = randomBytes(22);
  const code = Array.from(bytes.subarray(0, 16), (b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join("");
  const password = Array.from(bytes.subarray(16), (b) => String(b % 10)).join("");
  return { code: `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8, 12)}-${code.slice(12)}`, password };
}
