import { describe, expect, it, vi } from "vitest";
import { jobCatalog, type JobCatalog } from "../../jobs/catalog.ts";
import { InMemoryJobQueue, type Timers } from "../../jobs/in-memory-job-queue.ts";
import { contractCatalog, jobQueueContract, type ContractCatalog } from "../contracts/job-queue.contract.ts";

class TestInMemoryJobQueue<C extends JobCatalog> extends InMemoryJobQueue<C> {
  enqueueRaw(name: string, data: unknown) {
    return this.insert(name, data, {});
  }
}

jobQueueContract("InMemoryJobQueue", async () => {
  const queue = new TestInMemoryJobQueue<ContractCatalog>({ catalog: contractCatalog });
  return {
    queue,
    enqueueRaw: async (name, data) => void queue.enqueueRaw(name, data),
    dispose: () => queue.close(),
  };
});

/** Timers that fire only when the test says so. */
class ManualTimers implements Timers {
  pending: { fn: () => void; ms: number }[] = [];
  setTimeout(fn: () => void, ms: number) {
    const t = { fn, ms };
    this.pending.push(t);
    return t;
  }
  clearTimeout(handle: unknown) {
    this.pending = this.pending.filter((t) => t !== handle);
  }
  fireAll() {
    const due = this.pending;
    this.pending = [];
    for (const t of due) t.fn();
  }
}

const logger = () => ({ info: vi.fn(), warn: vi.fn(), error: vi.fn() });

describe("InMemoryJobQueue", () => {
  it("refuses production unless explicitly allowed, naming the way out", () => {
    expect(() => new InMemoryJobQueue({ nodeEnv: "production", allowInMemory: false })).toThrow(
      /refuses to run with NODE_ENV=production.*REDIS_URL.*ALLOW_IN_MEMORY_QUEUE/s,
    );
    expect(() => new InMemoryJobQueue({ nodeEnv: "production", allowInMemory: true })).not.toThrow();
    expect(() => new InMemoryJobQueue({ nodeEnv: "development" })).not.toThrow();
  });

  it("warns once at init that it is for development", async () => {
    const log = logger();
    const queue = new InMemoryJobQueue({ logger: log });
    await queue.init();
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(log.warn.mock.calls[0]![1]).toMatch(/lost when this process exits.*development/);
    await queue.close();
  });

  it("backs fulfil-order off by the catalog's exponential schedule (500 ms doubling, 8 attempts)", async () => {
    const timers = new ManualTimers();
    const queue = new InMemoryJobQueue({ timers });
    const attempts: number[] = [];
    let exhausted = 0;
    queue.handle(
      "fulfil-order",
      async (_p, meta) => {
        attempts.push(meta.attempt);
        throw new Error("supplier down");
      },
      { onExhausted: () => void exhausted++ },
    );
    await queue.startWorkers({ concurrency: 1 });
    await queue.enqueue("fulfil-order", { orderId: "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b" });
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      await vi.waitFor(() => expect(attempts.length).toBe(Math.min(i + 1, 8)));
      await new Promise((r) => setImmediate(r));
      // retry delays are the only timers; the handler's timeout timer was cleared when it threw
      delays.push(...timers.pending.map((t) => t.ms));
      timers.fireAll();
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 32000]);
    expect(attempts).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(exhausted).toBe(1);
    expect(jobCatalog["fulfil-order"].attempts).toBe(8);
    await queue.close();
  });

  it("refuses work after close and drops what was pending, saying so", async () => {
    const log = logger();
    const queue = new InMemoryJobQueue({ logger: log });
    await queue.enqueue("expire-orders", {}, { delayMs: 60_000 });
    await queue.close();
    expect(log.warn).toHaveBeenCalledWith({ dropped: 1 }, expect.stringMatching(/pending/));
    await expect(queue.enqueue("expire-orders", {})).rejects.toThrow(/closed/);
    await expect(queue.ping()).rejects.toThrow(/closed/);
  });
});
