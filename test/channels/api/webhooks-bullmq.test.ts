import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createShop, type Shop } from "../../e2e/support/shop.ts";
import { startReceiver } from "./webhook-receiver.ts";

/** The same retry contract on BullMQ (Redis) as on the in-process queue: attempts and backoff from the catalog. */
describe("distributor webhooks on BullMQ", () => {
  let shop: Shop;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    shop = await createShop("webhooksbull", {
      redis: true,
      container: {
        jobOverrides: { "deliver-webhook": { attempts: 4, backoff: { type: "exponential", delayMs: 200 } } },
        eventTuning: { pollMs: 50 },
      },
    });
    shop.c.events.host(shop.c.webhookDispatcher);
    receiver = await startReceiver({ "/flaky": [500, 502, 200] });
  });
  afterAll(async () => {
    await receiver.close();
    await shop.dispose();
  });

  it("retries a failing receiver with backoff until it answers 2xx, under one event id", async () => {
    const d = await shop.buyer(10_000n);
    const set = await shop.request("/v1/webhook", {
      method: "POST",
      key: d.key,
      idem: "set-1",
      body: { url: receiver.url("/flaky") },
    });
    expect(set.status).toBe(201);
    const product = await shop.codeProduct({ price: 1000n, stock: 2 });
    const placed = await shop.request("/v1/orders", {
      method: "POST",
      key: d.key,
      idem: "o-1",
      body: { product_id: product.id, quantity: 1 },
    });
    expect(placed.status).toBe(201);
    const end = Date.now() + 30_000;
    while (receiver.at("/flaky").length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    const hits = receiver.at("/flaky");
    expect(hits).toHaveLength(3);
    expect(new Set(hits.map((h) => h.headers["x-kameng-event-id"])).size).toBe(1);
    expect(hits[1]!.at - hits[0]!.at).toBeGreaterThanOrEqual(190);
    expect(hits[2]!.at - hits[1]!.at).toBeGreaterThanOrEqual(390);
    let status = "";
    while (status !== "DELIVERED" && Date.now() < end) {
      const log = (await (await shop.request("/v1/webhook-deliveries", { key: d.key })).json()) as {
        deliveries: Array<{ status: string; attempts: number }>;
      };
      status = log.deliveries[0]?.status ?? "";
      if (status === "DELIVERED") expect(log.deliveries[0]!.attempts).toBe(3);
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe("DELIVERED");
  });
});
