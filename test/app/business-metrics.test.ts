import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fulfilOrderJob } from "../../jobs/catalog.ts";
import { createShop, type Shop } from "../e2e/support/shop.ts";

/**
 * `/metrics` after real actions: orders placed over the API, delivered or refunded by real supplier calls
 * (the simulated supplier over HTTP), stock sold, jobs queued and failing, webhooks refused. The gauges
 * read the database at scrape time (no cache here, so each action shows at once).
 */
let shop: Shop;

beforeAll(async () => {
  shop = await createShop("bizmetrics", {
    workers: true,
    container: {
      businessGauges: { cacheMs: 0, totalsEveryMs: 0, stockEveryMs: 0, maxStockProducts: 3 },
      jobOverrides: { "fulfil-order": { attempts: 2, backoff: { type: "exponential", delayMs: 50 } } },
    },
  });
}, 60_000);
afterAll(async () => shop?.dispose());

async function scrape(): Promise<string> {
  const res = await shop.app.request("/metrics");
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one series (`name` with exactly these labels), or undefined. */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (
      Object.keys(got).length === Object.keys(labels).length &&
      Object.entries(labels).every(([k, v]) => got[k] === v)
    )
      return Number(m[3]);
  }
  return undefined;
}

describe("/metrics: business metrics after real actions", () => {
  it("orders by status and channel, deliveries, refunds, supplier calls by supplier and outcome, stock per SKU", async () => {
    const buyer = await shop.buyer(100_000n);
    const card = await shop.codeProduct({ stock: 3, price: 500n, sku: "METRICS-CARD" });
    const ok = await shop.supplier("sim-ok");
    const broken = await shop.supplier("sim-broken", { failureRate: 1 });
    const topUp = await shop.directProduct([{ supplierId: ok.supplier.id, cost: 900n }], 1000n);
    const failing = await shop.directProduct([{ supplierId: broken.supplier.id, cost: 900n }], 1000n);

    const before = await scrape();
    expect(value(before, "kameng_orders", { status: "DELIVERED", channel: "http" })).toBeUndefined();
    expect(value(before, "kameng_stock_available", { sku: "METRICS-CARD" })).toBe(3);

    const place = async (productId: string, target?: string) => {
      const res = await shop.request("/v1/orders", {
        key: buyer.key,
        idem: randomUUID(),
        body: { product_id: productId, quantity: 1, ...(target ? { target } : {}) },
      });
      expect(res.status).toBeLessThan(300);
      return ((await res.json()) as { order: { id: string } }).order.id;
    };
    const cardOrder = await place(card.id);
    const okOrder = await place(topUp.id, "13800138000");
    const failedOrder = await place(failing.id, "13800138000");
    await shop.waitForStatus([cardOrder, okOrder], ["DELIVERED"]);
    await shop.waitForStatus([failedOrder], ["REFUNDED"], 45_000);

    const after = await scrape();
    expect(value(after, "kameng_orders", { status: "DELIVERED", channel: "http" })).toBe(2);
    expect(value(after, "kameng_orders", { status: "REFUNDED", channel: "http" })).toBe(1);
    expect(value(after, "kameng_stock_available", { sku: "METRICS-CARD" })).toBe(2);
    expect(
      value(after, "kameng_supplier_requests_total", { supplier: "sim-ok", op: "place", outcome: "succeeded" }),
    ).toBe(1);
    expect(
      value(after, "kameng_supplier_requests_total", { supplier: "sim-broken", op: "place", outcome: "rejected" }),
    ).toBeGreaterThanOrEqual(1);
    expect(value(after, "kameng_supplier_request_duration_seconds_count", { supplier: "sim-ok", op: "place" })).toBe(1);
    // No ids, keys or codes in any label: only bounded names.
    expect(after).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i);
    expect(after).not.toContain(buyer.key);
    expect(after).not.toContain("CODE-");
  }, 90_000);

  it("stock series are capped (the emptiest first) and the rest counted", async () => {
    for (const [sku, n] of [
      ["CAP-A", 5],
      ["CAP-B", 1],
      ["CAP-C", 4],
      ["CAP-D", 2],
    ] as const)
      await shop.codeProduct({ stock: n, sku });
    const text = await scrape();
    const skus = text
      .split("\n")
      .filter((l) => l.startsWith("kameng_stock_available{"))
      .map((l) => /sku="([^"]+)"/.exec(l)![1]);
    expect(skus).toHaveLength(3);
    expect(skus).toContain("CAP-B");
    expect(skus).not.toContain("CAP-A");
    const products = await shop.prisma.product.count({ where: { deliveryKind: "CODE", active: true } });
    expect(value(text, "kameng_stock_products_omitted")).toBe(products - 3);
  });

  it("queue depth by job and state, and job failures", async () => {
    await shop.c.jobs.enqueue(fulfilOrderJob, { orderId: randomUUID() }, { delayMs: 600_000 });
    expect(value(await scrape(), "kameng_jobs", { job: "fulfil-order", state: "delayed" })).toBe(1);
    // A fulfil job for an order that does not exist fails each attempt, then is exhausted.
    await shop.c.jobs.enqueue(fulfilOrderJob, { orderId: randomUUID() });
    const deadline = Date.now() + 20_000;
    let text = await scrape();
    while ((value(text, "kameng_jobs_exhausted_total", { job: "fulfil-order" }) ?? 0) < 1 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      text = await scrape();
    }
    expect(value(text, "kameng_job_failures_total", { job: "fulfil-order" })).toBe(2);
    expect(value(text, "kameng_jobs_exhausted_total", { job: "fulfil-order" })).toBe(1);
  });

  it("webhook rejections by source and reason; outbox lag per consumer", async () => {
    const unsigned = await shop.app.request("/webhooks/sandbox", { method: "POST", body: "{}" });
    expect(unsigned.status).toBe(401);
    const forged = await shop.app.request("/webhooks/sandbox", {
      method: "POST",
      body: "{}",
      headers: { "x-sandbox-signature": "v1=abc" },
    });
    expect(forged.status).toBe(401);
    const stranger = await shop.app.request("/webhooks/suppliers/nobody", { method: "POST", body: "{}" });
    expect(stranger.status).toBe(401);
    const text = await scrape();
    expect(value(text, "kameng_webhook_rejections_total", { source: "sandbox", reason: "missing_signature" })).toBe(1);
    expect(value(text, "kameng_webhook_rejections_total", { source: "sandbox", reason: "invalid_signature" })).toBe(1);
    expect(value(text, "kameng_webhook_rejections_total", { source: "supplier", reason: "supplier_not_found" })).toBe(
      1,
    );
    expect(value(text, "kameng_event_consumer_lag", { consumer: "fulfilment-dispatcher" })).toBeGreaterThanOrEqual(0);
  });
});
