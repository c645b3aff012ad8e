import { afterAll, describe, expect, it } from "vitest";
import { createRateLimiters, type RateLimiters } from "../../../app/http/rate-limiters.ts";
import { TEST_REDIS_URL } from "../../support/env.ts";
import { deleteRedisPrefix, testRedisPrefix } from "../../support/redis.ts";

const prefix = testRedisPrefix("ratelimiters").toLowerCase().slice(0, 40);
const opened: RateLimiters[] = [];
afterAll(async () => {
  for (const l of opened) await l.close();
  await deleteRedisPrefix(TEST_REDIS_URL, prefix);
});

const limiters = (redis: boolean, perMinute = 3) => {
  const l = createRateLimiters({
    RATE_LIMIT_API_PER_MINUTE: perMinute,
    RATE_LIMIT_IP_PER_MINUTE: perMinute,
    RATE_LIMIT_WEB_PER_MINUTE: 0,
    TRUST_PROXY: false,
    REDIS_URL: redis ? TEST_REDIS_URL : undefined,
    REDIS_PREFIX: prefix,
  });
  opened.push(l);
  return l;
};

/** The same allowance semantics in memory (embedded default) and on Redis (REDIS_URL). */
describe.each([
  ["in memory", false],
  ["on Redis", true],
])("rate limiters %s", (_name, redis) => {
  it("allow N per minute per key, then say how long to wait; other keys are not affected", async () => {
    const { apiKey, webBrowser } = limiters(redis);
    const key = `k-${redis}-${Date.now()}`;
    const taken = await Promise.all(Array.from({ length: 5 }, () => apiKey!.take(key)));
    expect(taken.filter((r) => r.ok)).toHaveLength(3);
    for (const r of taken.filter((x) => !x.ok)) expect(r).toEqual({ ok: false, retryAfterMs: expect.any(Number) });
    const wait = (taken.find((r) => !r.ok) as { retryAfterMs: number }).retryAfterMs;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60_000);
    expect(await apiKey!.take(`${key}-other`)).toEqual({ ok: true });
    expect(webBrowser).toBeUndefined(); // 0 = no limit
  });
});

describe("rate limiters on Redis", () => {
  it("are shared by every process (two sets of limiters, one allowance)", async () => {
    const a = limiters(true, 4).apiKey!;
    const b = limiters(true, 4).apiKey!;
    const key = `shared-${Date.now()}`;
    const results = await Promise.all([a, b, a, b, a, b].map((l) => l.take(key)));
    expect(results.filter((r) => r.ok)).toHaveLength(4);
  });
});

describe("rate limiters when Redis cannot be reached", () => {
  it("count in process memory instead of failing the request", async () => {
    const l = createRateLimiters({
      RATE_LIMIT_API_PER_MINUTE: 2,
      RATE_LIMIT_IP_PER_MINUTE: 0,
      RATE_LIMIT_WEB_PER_MINUTE: 0,
      TRUST_PROXY: false,
      REDIS_URL: "redis://127.0.0.1:1",
      REDIS_PREFIX: prefix,
    });
    opened.push(l);
    const taken = [];
    for (let i = 0; i < 3; i++) taken.push((await l.apiKey!.take("down")).ok);
    expect(taken).toEqual([true, true, false]);
  });
});
