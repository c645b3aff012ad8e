import { Redis } from "ioredis";
import { afterAll } from "vitest";
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
