import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { JobCatalog, JobName } from "../../jobs/catalog.ts";
import { JobTimeoutError, PermanentJobError } from "../../jobs/job-errors.ts";
import type { JobMeta, JobQueue } from "../../jobs/job-queue.port.ts";

/**
 * One suite for every JobQueue adapter, so the embedded default and BullMQ cannot drift apart.
 * Timings are asserted as lower bounds (a retry never comes early); upper bounds are only the
 * generous waits, so a loaded machine slows the suite down rather than failing it.
 */
const backoff = (delayMs: number) => ({ type: "exponential" as const, delayMs });

export const contractCatalog = {
  echo: { schema: z.object({ n: z.number().int() }), attempts: 3, backoff: backoff(40), timeoutMs: 5_000 },
  order: { schema: z.object({ orderId: z.string().min(1) }), attempts: 3, backoff: backoff(20), timeoutMs: 5_000 },
  slow: { schema: z.object({ ms: z.number().int() }), attempts: 2, backoff: backoff(20), timeoutMs: 120 },
  tick: { schema: z.object({}), attempts: 1, backoff: backoff(20), timeoutMs: 5_000 },
} satisfies JobCatalog;
export type ContractCatalog = typeof contractCatalog;

export interface QueueHarness {
  queue: JobQueue<ContractCatalog>;
  /** Adds a job bypassing producer validation, like an older release would. */
  enqueueRaw(name: JobName<ContractCatalog>, data: unknown): Promise<void>;
  dispose(): Promise<void>;
}

export type QueueFactory = () => Promise<QueueHarness>;

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = "condition") {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function jobQueueContract(adapter: string, factory: QueueFactory): void {
  describe(`JobQueue contract: ${adapter}`, () => {
    let harness: QueueHarness | undefined;
    const open = async () => {
      harness = await factory();
      await harness.queue.init();
      return harness;
    };
    afterEach(async () => {
      await harness?.dispose();
      harness = undefined;
    });

    it("rejects an invalid payload or unknown job at enqueue", async () => {
      const { queue } = await open();
      await expect(queue.enqueue("echo", { n: "1" } as never)).rejects.toMatchObject({ code: "invalid_job_payload" });
      await expect(queue.enqueue("nope" as never, {} as never)).rejects.toMatchObject({ code: "unknown_job" });
      await expect(
        queue.enqueueBulk([
          { name: "echo", payload: { n: 1 } },
          { name: "echo", payload: {} as never },
        ]),
      ).rejects.toMatchObject({ code: "invalid_job_payload" });
      const counts = await queue.counts();
      expect(counts.echo).toMatchObject({ waiting: 0, delayed: 0 });
      await expect(queue.ping()).resolves.toBeUndefined();
    });

    it("fails an invalid payload at run without retrying it and without calling the handler", async () => {
      const { queue, enqueueRaw } = await open();
      const seen: unknown[] = [];
      let exhausted = 0;
      queue.handle("echo", async (p) => void seen.push(p), { onExhausted: () => void exhausted++ });
      await enqueueRaw("echo", { n: "not a number" });
      await queue.enqueue("echo", { n: 2 });
      await queue.startWorkers({ concurrency: 1 });
      await waitFor(async () => (await queue.counts()).echo.failed === 1 && seen.length === 1, 10_000, "runs");
      await sleep(150); // a retry would come after 40 ms
      expect(seen).toEqual([{ n: 2 }]);
      expect(exhausted).toBe(0);
      expect((await queue.counts()).echo).toMatchObject({ failed: 1, completed: 1, delayed: 0, waiting: 0 });
    });

    it("runs each job exactly once", async () => {
      const { queue } = await open();
      const seen = new Map<number, number>();
      queue.handle("echo", async ({ n }, meta) => {
        expect(meta.attempt).toBe(1);
        expect(meta.jobId).toEqual(expect.any(String));
        seen.set(n, (seen.get(n) ?? 0) + 1);
      });
      await queue.enqueueBulk(Array.from({ length: 10 }, (_, n) => ({ name: "echo" as const, payload: { n } })));
      for (let n = 10; n < 20; n++) await queue.enqueue("echo", { n });
      await queue.startWorkers({ concurrency: 5 });
      await waitFor(() => seen.size === 20, 10_000, "20 jobs");
      await sleep(100);
      expect([...seen.values()].every((c) => c === 1)).toBe(true);
      expect((await queue.counts()).echo.completed).toBe(20);
    });

    it("retries a throwing handler with exponential backoff, then calls onExhausted once", async () => {
      const { queue } = await open();
      const runs: { at: number; attempt: number; attempts: number }[] = [];
      const exhausted: { payload: unknown; err: Error; meta: JobMeta }[] = [];
      queue.handle(
        "echo",
        async (_p, meta) => {
          runs.push({ at: performance.now(), attempt: meta.attempt, attempts: meta.attempts });
          throw new Error(`boom ${meta.attempt}`);
        },
        { onExhausted: (payload, err, meta) => void exhausted.push({ payload, err, meta }) },
      );
      await queue.startWorkers({ concurrency: 1 });
      await queue.enqueue("echo", { n: 7 });
      await waitFor(() => exhausted.length === 1, 10_000, "onExhausted");
      await sleep(200);
      expect(runs.map((r) => r.attempt)).toEqual([1, 2, 3]);
      expect(runs.every((r) => r.attempts === 3)).toBe(true);
      // Retry n waits 40 * 2^(n-1) ms: 40, then 80 (a few ms of timer slack allowed).
      expect(runs[1]!.at - runs[0]!.at).toBeGreaterThanOrEqual(35);
      expect(runs[2]!.at - runs[1]!.at).toBeGreaterThanOrEqual(75);
      expect(exhausted).toHaveLength(1);
      expect(exhausted[0]!.payload).toEqual({ n: 7 });
      expect(exhausted[0]!.err.message).toBe("boom 3");
      expect(exhausted[0]!.meta.attempt).toBe(3);
      expect((await queue.counts()).echo).toMatchObject({ failed: 1, delayed: 0, waiting: 0, active: 0 });
    });

    it("completes a job whose retry succeeds, without calling onExhausted", async () => {
      const { queue } = await open();
      let calls = 0;
      let exhausted = 0;
      queue.handle(
        "echo",
        async () => {
          if (++calls === 1) throw new Error("transient");
        },
        { onExhausted: () => void exhausted++ },
      );
      await queue.startWorkers({ concurrency: 1 });
      await queue.enqueue("echo", { n: 1 });
      await waitFor(async () => (await queue.counts()).echo.completed === 1, 10_000, "completion");
      expect(calls).toBe(2);
      expect(exhausted).toBe(0);
    });

    it("fails at once on PermanentJobError and calls onExhausted", async () => {
      const { queue } = await open();
      let calls = 0;
      const errors: Error[] = [];
      queue.handle(
        "echo",
        async () => {
          calls++;
          throw new PermanentJobError("not retryable");
        },
        { onExhausted: (_p, err) => void errors.push(err) },
      );
      await queue.startWorkers({ concurrency: 1 });
      await queue.enqueue("echo", { n: 1 });
      await waitFor(() => errors.length === 1, 10_000, "onExhausted");
      await sleep(150);
      expect(calls).toBe(1);
      expect(errors[0]!.message).toBe("not retryable");
      expect((await queue.counts()).echo.failed).toBe(1);
    });

    it("counts a run that exceeds timeoutMs as a failed attempt and aborts its signal", async () => {
      const { queue } = await open();
      const aborted: boolean[] = [];
      const errors: Error[] = [];
      queue.handle(
        "slow",
        async ({ ms }, { signal }) => {
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, ms);
            signal.addEventListener("abort", () => (clearTimeout(t), resolve()));
          });
          aborted.push(signal.aborted);
        },
        { onExhausted: (_p, err) => void errors.push(err) },
      );
      await queue.startWorkers({ concurrency: 1 });
      await queue.enqueue("slow", { ms: 2_000 });
      await waitFor(() => errors.length === 1, 10_000, "onExhausted");
      expect(aborted).toEqual([true, true]);
      expect(errors[0]).toBeInstanceOf(JobTimeoutError);
    });

    it("dedupes on jobId while the job waits or runs, and frees the id once it finished", async () => {
      const { queue } = await open();
      const seen: number[] = [];
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      queue.handle("echo", async ({ n }) => {
        seen.push(n);
        if (n === 1) await gate;
      });
      // ids BullMQ would reject as job ids (':' or a bare integer) are fine as dedupe keys
      const a = await queue.enqueue("echo", { n: 1 }, { jobId: "order:42" });
      const b = await queue.enqueue("echo", { n: 2 }, { jobId: "order:42" });
      const c = await queue.enqueue("echo", { n: 3 }, { jobId: "12345" });
      expect(a.deduplicated).toBe(false);
      expect(b).toEqual({ id: a.id, deduplicated: true });
      expect(c.deduplicated).toBe(false);
      await queue.startWorkers({ concurrency: 2 });
      await waitFor(() => seen.includes(1), 10_000, "job 1 active");
      expect((await queue.enqueue("echo", { n: 4 }, { jobId: "order:42" })).deduplicated).toBe(true);
      release();
      await waitFor(async () => (await queue.counts()).echo.completed === 2, 10_000, "two completions");
      const again = await queue.enqueue("echo", { n: 5 }, { jobId: "order:42" });
      expect(again.deduplicated).toBe(false);
      await waitFor(() => seen.includes(5), 10_000, "re-enqueued job");
      expect(seen.sort()).toEqual([1, 3, 5]);
    });

    it("runs a delayed job after its delay, not before", async () => {
      const { queue } = await open();
      let ranAt = 0;
      queue.handle("echo", async () => void (ranAt = performance.now()));
      await queue.startWorkers({ concurrency: 1 });
      const t0 = performance.now();
      await queue.enqueue("echo", { n: 1 }, { delayMs: 300 });
      expect((await queue.counts()).echo.delayed).toBe(1);
      await waitFor(() => ranAt > 0, 10_000, "delayed job");
      expect(ranAt - t0).toBeGreaterThanOrEqual(295);
    });

    it("an idempotent handler applies its effect once when the same work runs twice", async () => {
      const { queue } = await open();
      // The pattern: record a key for the effect first (a unique row in real code) and skip work already done.
      const done = new Set<string>();
      const effects: string[] = [];
      let invocations = 0;
      let crashOnce = true;
      queue.handle("order", async ({ orderId }) => {
        invocations++;
        const key = `charge:${orderId}`;
        if (done.has(key)) return;
        done.add(key);
        effects.push(orderId);
        // a crash after the effect but before the ack: the retry must not repeat the effect
        if (crashOnce && orderId === "o-2") {
          crashOnce = false;
          throw new Error("lost the ack");
        }
      });
      await queue.startWorkers({ concurrency: 2 });
      // at-least-once simulated: the same work enqueued under two different ids
      await queue.enqueue("order", { orderId: "o-1" }, { jobId: "first" });
      await queue.enqueue("order", { orderId: "o-1" }, { jobId: "second" });
      await queue.enqueue("order", { orderId: "o-2" });
      await waitFor(async () => (await queue.counts()).order.completed === 3, 10_000, "three completions");
      expect(invocations).toBe(4);
      expect(effects.sort()).toEqual(["o-1", "o-2"]);
    });

    it("never runs more jobs of a name at once than the concurrency", async () => {
      const { queue } = await open();
      let active = 0;
      let peak = 0;
      let finished = 0;
      queue.handle("echo", async () => {
        peak = Math.max(peak, ++active);
        await sleep(60);
        active--;
        finished++;
      });
      await queue.enqueueBulk(Array.from({ length: 6 }, (_, n) => ({ name: "echo" as const, payload: { n } })));
      await queue.startWorkers({ concurrency: 2 });
      await waitFor(() => finished === 6, 10_000, "six jobs");
      expect(peak).toBe(2);
    });

    it("stopWorkers waits for the active job and leaves pending jobs queued", async () => {
      const { queue } = await open();
      const started: number[] = [];
      let finished = false;
      queue.handle("echo", async ({ n }) => {
        started.push(n);
        if (n === 1) {
          await sleep(250);
          finished = true;
        }
      });
      await queue.enqueue("echo", { n: 1 });
      await queue.startWorkers({ concurrency: 1 });
      await waitFor(() => started.length === 1, 10_000, "first job");
      await queue.enqueue("echo", { n: 2 });
      await queue.stopWorkers();
      expect(finished).toBe(true);
      await sleep(100);
      expect(started).toEqual([1]);
      expect((await queue.counts()).echo).toMatchObject({ completed: 1, waiting: 1, active: 0 });
    });

    it("runs a repeatable job repeatedly; repeating again replaces the schedule", async () => {
      const { queue } = await open();
      const runs: number[] = [];
      queue.handle("tick", async () => void runs.push(performance.now()));
      await queue.repeat("tick", {}, 100);
      await queue.repeat("tick", {}, 100);
      const t0 = performance.now();
      await queue.startWorkers({ concurrency: 1 });
      await waitFor(() => runs.length >= 4, 10_000, "four ticks");
      const elapsed = performance.now() - t0;
      // one schedule, not two: at most one run per interval (plus the immediate first run)
      expect(runs.length).toBeLessThanOrEqual(Math.floor(elapsed / 100) + 2);
    });
  });
}
