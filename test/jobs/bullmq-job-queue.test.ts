import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BullMqJobQueue } from "../../jobs/bullmq-job-queue.ts";
import { jobCatalog } from "../../jobs/catalog.ts";
import { assertNoEviction, readEvictionPolicy } from "../../jobs/redis-eviction-policy.ts";
import { TEST_REDIS_URL } from "../support/env.ts";
import { testRedisPrefix } from "../support/redis.ts";
import { contractCatalog, jobQueueContract, type ContractCatalog } from "../contracts/job-queue.contract.ts";

const redisAvailable = await (async () => {
  const r = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await r.connect();
    await r.ping();
    return true;
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
})();

const filePrefix = testRedisPrefix("bullmq");
let seq = 0;

/** Removes every key of the given BullMQ prefix. */
async function obliterate(prefix: string, names: string[]) {
  const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  try {
    for (const name of names) {
      const q = new Queue(name, { connection, prefix });
      await q.obliterate({ force: true });
      await q.close();
    }
  } finally {
    await connection.quit();
  }
}

describe.skipIf(!redisAvailable)("BullMqJobQueue", () => {
  jobQueueContract("BullMqJobQueue", async () => {
    const prefix = `${filePrefix}-${++seq}`;
    const queue = new BullMqJobQueue<ContractCatalog>({ url: TEST_REDIS_URL, prefix, catalog: contractCatalog });
    const raw = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    return {
      queue,
      async enqueueRaw(name, data) {
        const q = new Queue(name, { connection: raw, prefix });
        const spec = contractCatalog[name];
        await q.add(name, data, {
          attempts: spec.attempts,
          backoff: { type: "exponential", delay: spec.backoff.delayMs },
        });
        await q.close();
      },
      async dispose() {
        await queue.close();
        await raw.quit();
        await obliterate(prefix, Object.keys(contractCatalog));
      },
    };
  });

  describe("configuration", () => {
    const prefix = `${filePrefix}-cfg`;
    let queue: BullMqJobQueue;
    beforeAll(async () => {
      queue = new BullMqJobQueue({ url: TEST_REDIS_URL, prefix, keepCompleted: { age: 60, count: 10 } });
      await queue.init();
    });
    afterAll(async () => {
      await queue.close();
      await obliterate(prefix, Object.keys(jobCatalog));
    });

    it("throws at construction without a Redis URL", () => {
      expect(() => new BullMqJobQueue({ url: undefined, prefix: "x" })).toThrow(/needs a Redis URL \(REDIS_URL\)/);
      expect(() => new BullMqJobQueue({ url: "", prefix: "x" })).toThrow(/REDIS_URL/);
    });

    it("throws when used before init()", async () => {
      const q = new BullMqJobQueue({ url: TEST_REDIS_URL, prefix: `${filePrefix}-noinit` });
      await expect(q.enqueue("expire-orders", {})).rejects.toThrow(/call init\(\)/);
      await q.close();
    });

    it("accepts only a noeviction Redis, naming the policy it found", async () => {
      expect(() => assertNoEviction("noeviction")).not.toThrow();
      expect(() => assertNoEviction("allkeys-lru")).toThrow(/maxmemory-policy is "allkeys-lru".*noeviction/s);
      expect(() => assertNoEviction(undefined)).toThrow(/"unknown"/);
      const fake = (policy: string) => ({ config: async () => ["maxmemory-policy", policy] });
      expect(await readEvictionPolicy(fake("volatile-lru"))).toBe("volatile-lru");
      const shared = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
      expect(await readEvictionPolicy(shared)).toBe("noeviction"); // what init() checked on this machine
      await shared.quit();
    });

    it("adds jobs with the catalog's attempts and backoff, bounded retention and a UUID job id", async () => {
      const { id } = await queue.enqueue("fulfil-order", { orderId: "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b" });
      const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
      const raw = new Queue("fulfil-order", { connection, prefix });
      const job = await raw.getJob(id);
      await raw.close();
      await connection.quit();
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(job?.opts).toMatchObject({
        attempts: 8,
        backoff: { type: "exponential", delay: 500 },
        removeOnComplete: { age: 60, count: 10 },
        removeOnFail: { age: 604_800, count: 5_000 },
      });
      expect((await queue.counts())["fulfil-order"].waiting).toBe(1);
    });

    it("uses connections with maxRetriesPerRequest: null", () => {
      const redis = (queue as unknown as { redis: Redis }).redis;
      expect(redis.options.maxRetriesPerRequest).toBeNull();
    });
  });
});
