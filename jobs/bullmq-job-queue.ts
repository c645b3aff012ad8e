import { Queue, UnrecoverableError, Worker, type Job, type JobsOptions } from "bullmq";
import { Redis } from "ioredis";
import { newId } from "../core/shared/ids.ts";
import { jobCatalog, type JobCatalog, type JobInput, type JobName, type JobPayload, type Jobs } from "./catalog.ts";
import { PermanentJobError } from "./job-errors.ts";
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
import { assertNoEviction, readEvictionPolicy } from "./redis-eviction-policy.ts";

export interface KeepJobs {
  /** Seconds. */
  age: number;
  count: number;
}

export interface BullMqJobQueueOptions<C extends JobCatalog> {
  url: string | undefined;
  /** Redis key prefix; unique per deployment (and per test file). */
  prefix: string;
  catalog?: C;
  logger?: JobLogger;
  keepCompleted?: KeepJobs;
  keepFailed?: KeepJobs;
  /** Only for a managed Redis that disables CONFIG and is known to be `noeviction`. */
  checkEvictionPolicy?: boolean;
}

/**
 * BullMQ on Redis, one Queue and one Worker per job name: a flood of one kind (say `notify`) cannot
 * hold up another (`fulfil-order`), concurrency and counts are per name, and a name's retry policy
 * is its queue's. All of them share one connection; each Worker adds its own blocking connection.
 *
 * `jobId` dedupes through BullMQ's deduplication option rather than as the BullMQ job id: a job id
 * stays taken while the finished job is retained (`removeOnComplete/removeOnFail`), which would
 * silently swallow a legitimate re-enqueue after a failure. Job ids are our own UUIDs, never
 * bare integers and never containing ':'.
 */
export class BullMqJobQueue<C extends JobCatalog = Jobs> implements JobQueue<C> {
  readonly kind = "bullmq" as const;
  private readonly catalog: C;
  private readonly logger: JobLogger;
  private readonly redis: Redis;
  private readonly queues = new Map<string, Queue>();
  private readonly workers = new Map<string, Worker>();
  private readonly handlers = new Map<string, Registration>();
  private concurrency = 0;
  private started = false;
  private closed = false;

  constructor(private readonly opts: BullMqJobQueueOptions<C>) {
    if (!opts.url) throw new Error("BullMqJobQueue needs a Redis URL (REDIS_URL), e.g. redis://localhost:6379");
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(opts.prefix)) throw new Error(`invalid BullMQ prefix "${opts.prefix}"`);
    this.catalog = opts.catalog ?? (jobCatalog as JobCatalog as C);
    this.logger = opts.logger ?? silentJobLogger;
    this.redis = new Redis(opts.url, { maxRetriesPerRequest: null, lazyConnect: true });
    this.redis.on("error", (err) => this.logger.error({ err }, "redis connection error"));
  }

  async init(): Promise<void> {
    if (this.queues.size > 0) return;
    if (this.redis.status === "wait") await this.redis.connect();
    if (this.opts.checkEvictionPolicy !== false) {
      const policy = await readEvictionPolicy(this.redis).catch((err: Error) => {
        throw new Error(
          `could not read Redis maxmemory-policy (CONFIG GET failed: ${err.message}); BullMQ needs "noeviction"`,
          { cause: err },
        );
      });
      assertNoEviction(policy);
    }
    for (const name of Object.keys(this.catalog)) {
      const queue = new Queue(name, { connection: this.redis, prefix: this.opts.prefix });
      queue.on("error", (err) => this.logger.error({ job: name, err }, "queue error"));
      this.queues.set(name, queue);
    }
  }

  async enqueue<N extends JobName<C>>(
    name: N,
    payload: JobInput<N, C>,
    opts: EnqueueOptions = {},
  ): Promise<EnqueueResult> {
    const data = parseForEnqueue(this.catalog, name, payload);
    const jobOpts = this.jobOptions(name, opts);
    const job = await this.queue(name).add(name, data, jobOpts);
    return { id: job.id!, deduplicated: job.id !== jobOpts.jobId };
  }

  async enqueueBulk(jobs: BulkJob<C>[]): Promise<EnqueueResult[]> {
    const prepared = jobs.map((j) => ({
      name: j.name as string,
      data: parseForEnqueue(this.catalog, j.name, j.payload),
      opts: this.jobOptions(j.name, j.opts ?? {}),
    }));
    const results: EnqueueResult[] = new Array(prepared.length);
    const byName = new Map<string, number[]>();
    prepared.forEach((p, i) => byName.set(p.name, [...(byName.get(p.name) ?? []), i]));
    await Promise.all(
      [...byName].map(async ([name, indexes]) => {
        const added = await this.queue(name).addBulk(indexes.map((i) => prepared[i]!));
        added.forEach((job, k) => {
          const i = indexes[k]!;
          results[i] = { id: job.id!, deduplicated: job.id !== prepared[i]!.opts.jobId };
        });
      }),
    );
    return results;
  }

  handle<N extends JobName<C>>(
    name: N,
    handler: JobHandler<JobPayload<N, C>>,
    opts: HandleOptions<JobPayload<N, C>> = {},
  ): void {
    specOf(this.catalog, name);
    if (this.handlers.has(name)) throw new Error(`job "${name}" already has a handler`);
    this.handlers.set(name, { handler, onExhausted: opts.onExhausted } as Registration);
    if (this.started)
      void this.startWorker(name).catch((err) => this.logger.error({ job: name, err }, "worker start failed"));
  }

  async repeat<N extends JobName<C>>(name: N, payload: JobInput<N, C>, everyMs: number): Promise<void> {
    if (!(everyMs > 0)) throw new Error(`repeat interval must be > 0, got ${everyMs}`);
    const data = parseForEnqueue(this.catalog, name, payload);
    const { jobId: _id, deduplication: _d, delay: _delay, ...opts } = this.jobOptions(name, {});
    await this.queue(name).upsertJobScheduler(name, { every: everyMs }, { name, data, opts });
  }

  async startWorkers(opts: { concurrency: number }): Promise<void> {
    if (this.closed) throw new Error("the job queue is closed");
    if (!(opts.concurrency >= 1)) throw new Error(`concurrency must be ≥ 1, got ${opts.concurrency}`);
    this.concurrency = opts.concurrency;
    this.started = true;
    await Promise.all([...this.handlers.keys()].map((name) => this.startWorker(name)));
  }

  async stopWorkers(): Promise<void> {
    this.started = false;
    const workers = [...this.workers.values()];
    this.workers.clear();
    // Worker.close() stops fetching and waits for the active jobs.
    await Promise.all(workers.map((w) => w.close()));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stopWorkers();
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
    if (this.redis.status === "wait") this.redis.disconnect();
    else await this.redis.quit().catch(() => this.redis.disconnect());
  }

  async counts(): Promise<Record<JobName<C>, JobCounts>> {
    const entries = await Promise.all(
      [...this.queues].map(async ([name, queue]) => {
        const c = await queue.getJobCounts("waiting", "prioritized", "active", "delayed", "completed", "failed");
        const n = (k: string) => c[k] ?? 0;
        const counts: JobCounts = {
          waiting: n("waiting") + n("prioritized"),
          active: n("active"),
          delayed: n("delayed"),
          completed: n("completed"),
          failed: n("failed"),
        };
        return [name, counts] as const;
      }),
    );
    return Object.fromEntries(entries) as Record<JobName<C>, JobCounts>;
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  private jobOptions(name: string, opts: EnqueueOptions): JobsOptions & { jobId: string } {
    const spec = specOf(this.catalog, name);
    const key = checkDedupeKey(opts.jobId);
    return {
      jobId: newId(),
      delay: checkDelay(opts.delayMs),
      attempts: spec.attempts,
      backoff: { type: "exponential", delay: spec.backoff.delayMs },
      removeOnComplete: this.opts.keepCompleted ?? { age: 3_600, count: 1_000 },
      removeOnFail: this.opts.keepFailed ?? { age: 7 * 86_400, count: 5_000 },
      ...(key === undefined ? {} : { deduplication: { id: key } }),
    };
  }

  private async startWorker(name: string): Promise<void> {
    if (this.workers.has(name)) return;
    this.queue(name); // fails early when init() was not called
    const worker = new Worker(name, (job: Job) => this.process(name, job), {
      connection: this.redis,
      prefix: this.opts.prefix,
      concurrency: this.concurrency,
      autorun: false,
    });
    worker.on("error", (err) => this.logger.error({ job: name, err }, "worker error"));
    this.workers.set(name, worker);
    void worker.run().catch((err) => this.logger.error({ job: name, err }, "worker stopped with an error"));
    await worker.waitUntilReady();
  }

  private async process(name: string, job: Job): Promise<void> {
    const registration = this.handlers.get(name)!;
    const outcome = await runAttempt({
      name,
      spec: specOf(this.catalog, name),
      registration,
      data: job.data,
      jobId: job.id!,
      attempt: job.attemptsMade + 1,
      attempts: job.opts.attempts ?? 1,
      logger: this.logger,
    });
    if (outcome.ok) return;
    if (outcome.err instanceof PermanentJobError) throw new UnrecoverableError(outcome.err.message);
    throw outcome.err;
  }

  private queue(name: string): Queue {
    const queue = this.queues.get(name);
    if (queue) return queue;
    specOf(this.catalog, name);
    throw new Error(this.closed ? "the job queue is closed" : "BullMqJobQueue: call init() before using it");
  }
}
