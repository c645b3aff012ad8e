import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createShop, type Shop } from "../../e2e/support/shop.ts";

const from = (ip: string) => ({ incoming: { socket: { remoteAddress: ip } } });

/** The limits of the distributor API, with the counters in memory (embedded default) and on Redis. */
describe.each([
  ["in memory", false],
  ["on Redis", true],
])("/v1 rate limits %s", (_name, redis) => {
  let shop: Shop;
  beforeAll(async () => {
    shop = await createShop(`ratelimit${redis ? "redis" : "mem"}`, {
      redis,
      workers: true,
      env: { RATE_LIMIT_API_PER_MINUTE: "100", RATE_LIMIT_IP_PER_MINUTE: "5" },
    });
  });
  afterAll(() => shop?.dispose());

  it("200 concurrent orders from one key: 100 placed, 100 answered 429 with Retry-After and nothing done", async () => {
    const product = await shop.codeProduct({ price: 10n, stock: 200, maxQty: 10 });
    const buyer = await shop.buyer(100_000n);
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        shop.request("/v1/orders", {
          key: buyer.key,
          idem: `burst-${i}`,
          body: { product_id: product.id, quantity: 1 },
        }),
      ),
    );
    const byStatus = new Map<number, number>();
    for (const r of responses) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    expect(Object.fromEntries(byStatus)).toEqual({ 201: 100, 429: 100 });
    for (const r of responses.filter((x) => x.status === 429)) {
      const seconds = Number(r.headers.get("retry-after"));
      expect(Number.isInteger(seconds) && seconds >= 1 && seconds <= 60).toBe(true);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
    }
    expect(await shop.prisma.order.count({ where: { userId: buyer.userId } })).toBe(100);
    expect(await shop.walletBalance(buyer.userId)).toBe(100_000n - 100n * 10n);
    // Another key has an allowance of its own.
    const other = await shop.buyer(0n);
    expect((await shop.request("/v1/wallet", { key: other.key })).status).toBe(200);
  });

  it("requests without a valid key are counted per client IP", async () => {
    const get = (ip: string, key?: string) =>
      shop.app.request("/v1/products", key ? { headers: { authorization: `Bearer ${key}` } } : {}, from(ip));
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await get("203.0.113.7")).status);
    statuses.push((await get("203.0.113.7", "kmg_live_" + "A".repeat(32))).status); // a guessed key counts too
    const over = await get("203.0.113.7");
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await get("198.51.100.9")).status).toBe(401); // another IP
    const buyer = await shop.buyer(0n);
    expect((await get("203.0.113.7", buyer.key)).status).toBe(200); // a valid key is counted by key, not IP
  });
});
