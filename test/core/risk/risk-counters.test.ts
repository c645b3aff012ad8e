import { Redis } from "ioredis";
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { RedisRiskCounters } from "../../../app/risk/redis-risk-counters.ts";
import { InMemoryRiskCounters } from "../../../core/risk/index.ts";
import { riskCountersContract } from "../../contracts/risk-counters.contract.ts";
import { TEST_REDIS_URL } from "../../support/env.ts";
import { deleteRedisPrefix, testRedisPrefix } from "../../support/redis.ts";

riskCountersContract("in process", async () => ({ counters: new InMemoryRiskCounters(), dispose: async () => {} }));

const prefix = testRedisPrefix("riskcounters");
afterAll(() => deleteRedisPrefix(TEST_REDIS_URL, prefix));
riskCountersContract("Redis", async () => {
  const counters = new RedisRiskCounters(new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 }), prefix, true);
  return { counters, dispose: () => counters.close() };
});

describe("Redis counters shared by two processes (two connections)", () => {
  it("50 events split over two connections each see a different count", async () => {
    const a = new RedisRiskCounters(new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 }), prefix, true);
    const b = new RedisRiskCounters(new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 }), prefix, true);
    try {
      const key = `buyer:${randomUUID()}`;
      const readings = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 ? a : b).record({
            eventId: randomUUID(),
            atMs: 3_000_000_000,
            amount: 1,
            retainMs: 600_000,
            series: [{ key, windowsMs: [600_000] }],
          }),
        ),
      );
      const counts = readings.map((r) => r[key]![600_000]!.count).sort((x, y) => x - y);
      expect(counts).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    } finally {
      await a.close();
      await b.close();
    }
  });
});
