import { createHmac, timingSafeEqual } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "../../../core/shared/index.ts";
import { createShop, type Shop } from "../../e2e/support/shop.ts";
import { startReceiver } from "./webhook-receiver.ts";

type Json = Record<string, unknown>;
const until = async <T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** The receiver's check, written from the documented algorithm only (not kameng's code). */
function verify(secret: string, header: string | undefined, body: string): boolean {
  const parts = Object.fromEntries((header ?? "").split(",").map((p) => p.split("=") as [string, string]));
  if (!parts.t || !parts.v1) return false;
  const expected = createHmac("sha256", secret).update(`${parts.t}.${body}`).digest();
  const got = Buffer.from(parts.v1, "hex");
  return got.length === expected.length && timingSafeEqual(got, expected);
}

describe("/v1 distributor webhooks and statement", () => {
  let shop: Shop;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let productId: string;
  let seq = 0;
  beforeAll(async () => {
    shop = await createShop("webhooks", {
      container: {
        jobOverrides: { "deliver-webhook": { attempts: 4, backoff: { type: "exponential", delayMs: 200 } } },
        webhookTimeoutMs: 5_000,
        eventTuning: { pollMs: 50 },
      },
    });
    shop.c.events.host(shop.c.webhookDispatcher);
    receiver = await startReceiver({
      "/ok": [200],
      "/flaky": [500, 503, 200],
      "/down": [500],
      "/hang": "hang",
      "/ok2": [204],
    });
    productId = (await shop.codeProduct({ price: 1000n, stock: 40 })).id;
  });
  afterAll(async () => {
    await receiver.close();
    await shop.dispose();
  });

  const distributor = async (path: string) => {
    const d = await shop.buyer(50_000n);
    const res = await shop.request("/v1/webhook", {
      method: "POST",
      key: d.key,
      idem: `wh-${++seq}`,
      body: { url: receiver.url(path) },
    });
    expect(res.status).toBe(201);
    const { webhook } = (await res.json()) as { webhook: { secret: string; url: string } };
    return { ...d, secret: webhook.secret };
  };
  const buy = async (key: string) => {
    const res = await shop.request("/v1/orders", {
      method: "POST",
      key,
      idem: `o-${++seq}`,
      body: { product_id: productId, quantity: 1 },
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { order: { id: string; codes: Array<{ code: string }> } }).order;
  };
  const deliveries = async (key: string, query = "") =>
    (await (await shop.request(`/v1/webhook-deliveries${query}`, { key })).json()) as {
      deliveries: Array<Json & { id: string; event_id: string; status: string; attempts: number }>;
      next_cursor: string | null;
    };

  it("sets a callback URL and shows its secret once; stores it encrypted", async () => {
    const d = await distributor("/ok");
    expect(d.secret).toMatch(/^whsec_/);
    // A retry of the same POST answers the same secret; the same key for another URL is refused.
    const again = await shop.request("/v1/webhook", {
      method: "POST",
      key: d.key,
      idem: `wh-${seq}`,
      body: { url: receiver.url("/ok") },
    });
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(((await again.json()) as { webhook: { secret: string } }).webhook.secret).toBe(d.secret);
    const clash = await shop.request("/v1/webhook", {
      method: "POST",
      key: d.key,
      idem: `wh-${seq}`,
      body: { url: receiver.url("/ok2") },
    });
    expect(clash.status).toBe(409);
    const got = (await (await shop.request("/v1/webhook", { key: d.key })).json()) as { webhook: Json };
    expect(got.webhook).toEqual({ url: receiver.url("/ok"), created_at: expect.any(String) });
    const [row] = await shop.c.db.sql.query<{ secret_enc: string }>(
      sql`SELECT secret_enc FROM webhook_endpoints WHERE user_id = ${d.userId}::uuid`,
    );
    expect(row!.secret_enc).not.toContain(d.secret.slice(6));
  });

  it("delivers a signed order.delivered with the codes; the log keeps no code", async () => {
    const d = await distributor("/ok");
    const order = await buy(d.key);
    const hit = await until("the delivery", () =>
      receiver
        .at("/ok")
        .find((r) => (JSON.parse(r.body) as Json).type === "order.delivered" && r.body.includes(order.id)),
    );
    const body = JSON.parse(hit.body) as { id: string; data: { order: Json; codes: Array<{ code: string }> } };
    expect(verify(d.secret, hit.headers["x-kameng-signature"] as string, hit.body)).toBe(true);
    expect(verify("whsec_wrong", hit.headers["x-kameng-signature"] as string, hit.body)).toBe(false);
    expect(
      verify(d.secret, hit.headers["x-kameng-signature"] as string, hit.body.replace("DELIVERED", "REFUNDED")),
    ).toBe(false);
    expect(hit.headers["x-kameng-event-id"]).toBe(body.id);
    expect(body.data.order).toMatchObject({ id: order.id, status: "DELIVERED", total: 1000, currency: "CNY" });
    expect(body.data.codes.map((c) => c.code)).toEqual(order.codes.map((c) => c.code));
    const log = await until("the log row", async () =>
      (await deliveries(d.key)).deliveries.find((x) => x.status === "DELIVERED"),
    );
    expect(log).toMatchObject({ event_id: body.id, attempts: 1, last_status: 200, order_id: order.id });
    const stored = await shop.c.db.sql.query<{ body: unknown }>(
      sql`SELECT body FROM webhook_deliveries WHERE user_id = ${d.userId}::uuid`,
    );
    for (const s of stored) expect(JSON.stringify(s.body)).not.toContain(order.codes[0]!.code);
  });

  it("retries with growing backoff until a 2xx, under one event id", async () => {
    const d = await distributor("/flaky");
    const order = await buy(d.key);
    const hits = await until("three attempts", () => {
      const h = receiver.at("/flaky").filter((r) => r.body.includes(order.id));
      return h.length >= 3 ? h : undefined;
    });
    const ids = new Set(hits.map((h) => (JSON.parse(h.body) as Json).id));
    expect(ids.size).toBe(1);
    expect(new Set(hits.map((h) => h.headers["x-kameng-event-id"]))).toEqual(ids);
    // Backoff 200 ms doubling: the second wait is at least twice the base, the first at least the base.
    expect(hits[1]!.at - hits[0]!.at).toBeGreaterThanOrEqual(190);
    expect(hits[2]!.at - hits[1]!.at).toBeGreaterThanOrEqual(390);
    const log = await until("delivered", async () =>
      (await deliveries(d.key)).deliveries.find((x) => x.status === "DELIVERED"),
    );
    expect(log).toMatchObject({ attempts: 3, last_status: 200 });
  });

  it("a hanging receiver does not hold up another distributor's delivery", async () => {
    const slow = await distributor("/hang");
    const fast = await distributor("/ok2");
    const slowOrder = await buy(slow.key);
    const slowHit = await until("the hanging receiver is called", () =>
      receiver.at("/hang").find((r) => r.body.includes(slowOrder.id)),
    );
    const fastOrder = await buy(fast.key);
    const fastHit = await until("the other delivery", () =>
      receiver.at("/ok2").find((r) => r.body.includes(fastOrder.id)),
    );
    // Delivered while the hanging receiver still held its first request open (not after giving up on it).
    expect(slowHit.abandonedAt === undefined || fastHit.at < slowHit.abandonedAt).toBe(true);
    // The hanging receiver's attempt is cut off and recorded as a failure to retry.
    const log = await until(
      "a timed-out attempt",
      async () =>
        (await deliveries(slow.key)).deliveries.find(
          (x) => x.attempts >= 1 && String(x.last_error).includes("no answer"),
        ),
      30_000,
    );
    expect(log.status).not.toBe("DELIVERED");
  });

  it("gives up after the last attempt (FAILED), and a resend sends the same event again", async () => {
    const d = await distributor("/down");
    const order = await buy(d.key);
    const failed = await until("failed", async () =>
      (await deliveries(d.key)).deliveries.find((x) => x.status === "FAILED"),
    );
    expect(failed.attempts).toBe(4);
    const before = receiver.at("/down").filter((r) => r.body.includes(order.id)).length;
    const res = await shop.request(`/v1/webhook-deliveries/${failed.id}/resend`, {
      method: "POST",
      key: d.key,
      idem: `r-${++seq}`,
    });
    expect(res.status).toBe(202);
    const again = await until("the resend", () => {
      const h = receiver.at("/down").filter((r) => r.body.includes(order.id));
      return h.length > before ? h[h.length - 1] : undefined;
    });
    expect((JSON.parse(again.body) as Json).id).toBe(failed.event_id);
  });

  it("pages the delivery log by cursor and refuses bad input, changing nothing", async () => {
    const d = await distributor("/ok");
    await buy(d.key);
    await buy(d.key);
    await until("two deliveries", async () => ((await deliveries(d.key)).deliveries.length >= 2 ? true : undefined));
    const first = await deliveries(d.key, "?limit=1");
    expect(first.deliveries).toHaveLength(1);
    expect(first.next_cursor).toBeTruthy();
    const second = await deliveries(d.key, `?limit=1&cursor=${first.next_cursor}`);
    expect(second.deliveries[0]!.id).not.toBe(first.deliveries[0]!.id);

    const other = await shop.buyer(0n);
    const code = async (res: Response) => ({
      status: res.status,
      code: ((await res.json()) as { error: Json }).error.code,
    });
    const endpoints = await shop.c.db.sql.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM webhook_endpoints`);
    const bad = [
      [
        shop.request("/v1/webhook", { method: "POST", key: other.key, idem: "b1", raw: "{nope" }),
        400,
        "malformed_json",
      ],
      [shop.request("/v1/webhook", { method: "POST", key: other.key, idem: "b2", body: {} }), 400, "invalid_data"],
      [
        shop.request("/v1/webhook", { method: "POST", key: other.key, idem: "b3", body: { url: "ftp://x.example" } }),
        400,
        "invalid_url",
      ],
      [
        shop.request("/v1/webhook", {
          method: "POST",
          key: other.key,
          idem: "b4",
          body: { url: "https://u:p@x.example/" },
        }),
        400,
        "invalid_url",
      ],
      [
        shop.request("/v1/webhook", { method: "POST", key: other.key, body: { url: "https://x.example/" } }),
        400,
        "idempotency_key_required",
      ],
      [shop.request("/v1/webhook", { key: other.key }), 404, "webhook_not_found"],
      [shop.request("/v1/webhook", { method: "DELETE", key: other.key }), 404, "webhook_not_found"],
      [shop.request("/v1/webhook-deliveries?limit=0", { key: other.key }), 400, "invalid_limit"],
      [shop.request("/v1/webhook-deliveries?cursor=zzz", { key: other.key }), 400, "invalid_cursor"],
      [
        shop.request("/v1/webhook-deliveries/nope/resend", { method: "POST", key: other.key, idem: "b5" }),
        400,
        "invalid_id",
      ],
      // Someone else's delivery is not yours to resend.
      [
        shop.request(`/v1/webhook-deliveries/${first.deliveries[0]!.id}/resend`, {
          method: "POST",
          key: other.key,
          idem: "b6",
        }),
        404,
        "delivery_not_found",
      ],
      [shop.request("/v1/statement?currency=EUR", { key: other.key }), 400, "invalid_currency"],
      [shop.request("/v1/statement?limit=101", { key: other.key }), 400, "invalid_limit"],
      [shop.request("/v1/statement?cursor=abc", { key: other.key }), 400, "invalid_cursor"],
      [shop.request("/v1/webhook", { method: "PUT", key: other.key }), 405, "method_not_allowed"],
    ] as const;
    for (const [res, status, c] of bad) expect(await code(await res)).toEqual({ status, code: c });
    expect(await shop.c.db.sql.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM webhook_endpoints`)).toEqual(
      endpoints,
    );
    // Removing it stops it.
    expect((await shop.request("/v1/webhook", { method: "DELETE", key: d.key })).status).toBe(204);
    expect((await shop.request("/v1/webhook", { key: d.key })).status).toBe(404);
  });

  it("GET /v1/statement lists the caller's wallet entries by cursor", async () => {
    const d = await shop.buyer(50_000n);
    await buy(d.key);
    await buy(d.key);
    const page = async (q: string) =>
      (await (await shop.request(`/v1/statement${q}`, { key: d.key })).json()) as {
        entries: Array<{ id: string; kind: string; amount: number; order_id: string | null }>;
        next_cursor: string | null;
      };
    const all = await page("?limit=100");
    expect(all.entries.map((e) => e.amount)).toEqual([-1000, -1000, 50_000]);
    expect(all.entries[0]!.order_id).toBeTruthy();
    expect(all.next_cursor).toBeNull();
    const p1 = await page("?limit=2");
    expect(p1.entries).toHaveLength(2);
    const p2 = await page(`?limit=2&cursor=${p1.next_cursor}`);
    expect(p2.entries.map((e) => e.amount)).toEqual([50_000]);
    expect(p2.next_cursor).toBeNull();
  });
});
