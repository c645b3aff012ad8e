import { newId } from "../core/shared/ids.ts";
import {
  backoffDelay,
  jobCatalog,
  type JobCatalog,
  type JobInput,
  type JobName,
  type JobPayload,
  type Jobs,
} from "./catalog.ts";
import { checkDedupeKey, checkDelay, parseForEnqueue, runAttempt, specOf, type Registration } from "./job-runner.ts";
import {
  silentJobLogger,
  type BulkJob,
  type EnqueueOptions,
  type EnqueueResult,
  type HandleOptions,
  type JobCounts,
  type JobHandler,
  type JobLogger,
  type JobQueue,
} from "./job-queue.port.ts";

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface InMemoryJobQueueOptions<C extends JobCatalog> {
  catalog?: C;
  /** With `"production"`, construction throws unless `allowInMemory` is set. */
  nodeEnv?: string;
  allowInMemory?: boolean;
  logger?: JobLogger;
  timers?: Timers;
}

interface MemJob {
  id: string;
  name: string;
  data: unknown;
  key?: string;
  /** Repeat occurrences free their key when they start, as BullMQ schedules the next one then. */
  releaseKeyOnStart: boolean;
  attemptsMade: number;
  attempts: number;
  backoff: { type: "exponential"; delayMs: number };
  state: "waiting" | "delayed" | "active";
  timer?: unknown;
}

interface Lane {
  waiting: MemJob[];
  active: number;
  completed: number;
  failed: number;
}

/**
 * The embedded default: the BullMQ adapter's semantics (at-least-once, retries with the catalog's
 * exponential backoff, dedupe while the job exists, delays, repeats, per-name concurrency, graceful
 * stop) in process memory. Jobs are lost when the process exits — development and demos only.
 */
export class InMemoryJobQueue<C extends JobCatalog = Jobs> implements JobQueue<C> {
  readonly kind = "in-memory" as const;
  private readonly catalog: C;
  private readonly logger: JobLogger;
  private readonly timers: Timers;
  private readonly handlers = new Map<string, Registration>();
  private readonly jobs = new Map<string, MemJob>();
  private readonly keys = new Map<string, string>();
  private readonly lanes = new Map<string, Lane>();
  private readonly repeats = new Map<string, unknown>();
  private readonly running = new Set<Promise<void>>();
  private concurrency = 0;
  private started = false;
  private closed = false;

  constructor(opts: InMemoryJobQueueOptions<C> = {}) {
    if (opts.nodeEnv === "production" && !opts.allowInMemory)
      throw new Error(
        "InMemoryJobQueue refuses to run with NODE_ENV=production: its jobs live in process memory and are lost " +
          "on restart. Set REDIS_URL to use BullMQ, or ALLOW_IN_MEMORY_QUEUE=true to accept the risk.",
      );
    this.catalog = opts.catalog ?? (jobCatalog as JobCatalog as C);
    this.logger = opts.logger ?? silentJobLogger;
    this.timers = opts.timers ?? realTimers;
  }

  async init(): Promise<void> {
    this.logger.warn(
      { queue: this.kind },
      "in-memory job queue: jobs are lost when this process exits; for development only (set REDIS_URL for BullMQ)",
    );
  }

  async enqueue<N extends JobName<C>>(
    name: N,
    payload: JobInput<N, C>,
    opts: EnqueueOptions = {},
  ): Promise<EnqueueResult> {
    return this.insert(name, parseForEnqueue(this.catalog, name, payload), opts);
  }

  async enqueueBulk(jobs: BulkJob<C>[]): Promise<EnqueueResult[]> {
    // Validate everything first so a bad item adds nothing, like BullMQ's addBulk.
    const parsed = jobs.map((j) => ({ ...j, data: parseForEnqueue(this.catalog, j.name, j.payload) }));
    return Promise.all(parsed.map((j) => this.insert(j.name, j.data, j.opts ?? {})));
  }

  handle<N extends JobName<C>>(
    name: N,
    handler: JobHandler<JobPayload<N, C>>,
    opts: HandleOptions<JobPayload<N, C>> = {},
  ): void {
    specOf(this.catalog, name);
    if (this.handlers.has(name)) throw new Error(`job "${name}" already has a handler`);
    this.handlers.set(name, { handler, onExhausted: opts.onExhausted } as Registration);
    this.pump(name);
  }

  async repeat<N extends JobName<C>>(name: N, payload: JobInput<N, C>, everyMs: number): Promise<void> {
    if (!(everyMs > 0)) throw new Error(`repeat interval must be > 0, got ${everyMs}`);
    const data = parseForEnqueue(this.catalog, name, payload);
    this.assertOpen();
    const prev = this.repeats.get(name);
    if (prev !== undefined) this.timers.clearTimeout(prev);
    const tick = () => {
      this.insert(name, data, { jobId: "\0repeat" }, true);
      this.repeats.set(name, this.timers.setTimeout(tick, everyMs));
    };
    tick();
  }

  async startWorkers(opts: { concurrency: number }): Promise<void> {
    this.assertOpen();
    if (!(opts.concurrency >= 1)) throw new Error(`concurrency must be ≥ 1, got ${opts.concurrency}`);
    this.concurrency = opts.concurrency;
    this.started = true;
    for (const name of this.handlers.keys()) this.pump(name);
  }

  async stopWorkers(): Promise<void> {
    this.started = false;
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.stopWorkers();
    this.closed = true;
    for (const t of this.repeats.values()) this.timers.clearTimeout(t);
    this.repeats.clear();
    for (const job of this.jobs.values()) if (job.timer !== undefined) this.timers.clearTimeout(job.timer);
    if (this.jobs.size > 0)
      this.logger.warn({ dropped: this.jobs.size }, "in-memory job queue closed with pending jobs");
    this.jobs.clear();
    this.keys.clear();
  }

  async counts(): Promise<Record<JobName<C>, JobCounts>> {
    const out = {} as Record<string, JobCounts>;
    for (const name of Object.keys(this.catalog)) {
      const lane = this.lane(name);
      out[name] = { waiting: 0, active: 0, delayed: 0, completed: lane.completed, failed: lane.failed };
    }
    for (const job of this.jobs.values()) out[job.name]![job.state] += 1;
    return out as Record<JobName<C>, JobCounts>;
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  /** Adds an already-validated payload. Tests reach it to simulate a producer on an older catalog. */
  protected insert(name: string, data: unknown, opts: EnqueueOptions, releaseKeyOnStart = false): EnqueueResult {
    this.assertOpen();
    const spec = specOf(this.catalog, name);
    const delay = checkDelay(opts.delayMs);
    const key = checkDedupeKey(opts.jobId);
    const keyRef = key === undefined ? undefined : `${name}\0${key}`;
    const existing = keyRef === undefined ? undefined : this.keys.get(keyRef);
    if (existing !== undefined) return { id: existing, deduplicated: true };
    const job: MemJob = {
      id: newId(),
      name,
      data: structuredClone(data),
      key: keyRef,
      releaseKeyOnStart,
      attemptsMade: 0,
      attempts: spec.attempts,
      backoff: spec.backoff,
      state: "waiting",
    };
    this.jobs.set(job.id, job);
    if (keyRef !== undefined) this.keys.set(keyRef, job.id);
    this.schedule(job, delay);
    return { id: job.id, deduplicated: false };
  }

  private schedule(job: MemJob, delayMs: number): void {
    if (delayMs <= 0) {
      job.state = "waiting";
      this.lane(job.name).waiting.push(job);
      this.pump(job.name);
      return;
    }
    job.state = "delayed";
    job.timer = this.timers.setTimeout(() => {
      job.timer = undefined;
      this.schedule(job, 0);
    }, delayMs);
  }

  private pump(name: string): void {
    const registration = this.handlers.get(name);
    if (!this.started || this.closed || !registration) return;
    const lane = this.lane(name);
    while (lane.active < this.concurrency && lane.waiting.length > 0) {
      const job = lane.waiting.shift()!;
      lane.active += 1;
      job.state = "active";
      if (job.releaseKeyOnStart) this.releaseKey(job);
      const run: Promise<void> = this.execute(job, registration).finally(() => {
        lane.active -= 1;
        this.running.delete(run);
        this.pump(name);
      });
      this.running.add(run);
    }
  }

  private async execute(job: MemJob, registration: Registration): Promise<void> {
    const outcome = await runAttempt({
      name: job.name,
      spec: specOf(this.catalog, job.name),
      registration,
      data: structuredClone(job.data),
      jobId: job.id,
      attempt: job.attemptsMade + 1,
      attempts: job.attempts,
      logger: this.logger,
    });
    const lane = this.lane(job.name);
    if (outcome.ok) {
      lane.completed += 1;
      this.finish(job);
      return;
    }
    job.attemptsMade += 1;
    if (outcome.final) {
      lane.failed += 1;
      this.finish(job);
      return;
    }
    if (this.closed) return;
    this.schedule(job, backoffDelay(job, job.attemptsMade));
  }

  private finish(job: MemJob): void {
    this.jobs.delete(job.id);
    this.releaseKey(job);
  }

  private releaseKey(job: MemJob): void {
    if (job.key !== undefined && this.keys.get(job.key) === job.id) this.keys.delete(job.key);
  }

  private lane(name: string): Lane {
    let lane = this.lanes.get(name);
    if (!lane) this.lanes.set(name, (lane = { waiting: [], active: 0, completed: 0, failed: 0 }));
    return lane;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("the job queue is closed");
  }
}
