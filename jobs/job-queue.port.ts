import type { JobCatalog, JobInput, JobName, JobPayload, Jobs } from "./catalog.ts";

/**
 * The job queue port. Delivery is at least once in every adapter: a handler may run again for the
 * same payload (a retry, a worker that lost its lock, a duplicate enqueue under another id), so
 * handlers must be idempotent — e.g. record a request key first and skip the steps already done.
 */
export interface JobQueue<C extends JobCatalog = Jobs> {
  readonly kind: "in-memory" | "bullmq";
  /** Connects and checks the backend; call once before anything else. */
  init(): Promise<void>;
  /** Validates the payload against the catalog (throws `invalid_job_payload`) and adds the job. */
  enqueue<N extends JobName<C>>(name: N, payload: JobInput<N, C>, opts?: EnqueueOptions): Promise<EnqueueResult>;
  enqueueBulk(jobs: BulkJob<C>[]): Promise<EnqueueResult[]>;
  /** Registers the one handler of a job name. Handlers registered after `startWorkers` start at once. */
  handle<N extends JobName<C>>(
    name: N,
    handler: JobHandler<JobPayload<N, C>>,
    opts?: HandleOptions<JobPayload<N, C>>,
  ): void;
  /** Runs the job now and then every `everyMs`; calling again for the same name replaces the schedule. */
  repeat<N extends JobName<C>>(name: N, payload: JobInput<N, C>, everyMs: number): Promise<void>;
  /** Starts processing every handled job name, at most `concurrency` jobs at once per name. */
  startWorkers(opts: { concurrency: number }): Promise<void>;
  /** Stops taking jobs and waits for the active ones to finish. Pending jobs stay queued. */
  stopWorkers(): Promise<void>;
  /** Stops the workers first, then closes the queue and its connections. */
  close(): Promise<void>;
  counts(): Promise<Record<JobName<C>, JobCounts>>;
  /** Throws when the backend does not answer (for `/health`). */
  ping(): Promise<void>;
}

export interface EnqueueOptions {
  /**
   * Dedupe key: while a job enqueued under this key is waiting, delayed (including between retries)
   * or active, enqueueing again is a no-op. Once that job completed or failed for good, the key is free.
   */
  jobId?: string;
  delayMs?: number;
}

export interface EnqueueResult {
  /** The id of the job that will run: the existing one when `deduplicated`. */
  id: string;
  deduplicated: boolean;
}

export type BulkJob<C extends JobCatalog = Jobs> = {
  [N in JobName<C>]: { name: N; payload: JobInput<N, C>; opts?: EnqueueOptions };
}[JobName<C>];

export interface JobMeta {
  jobId: string;
  /** 1 on the first run. */
  attempt: number;
  attempts: number;
  /** Aborted when the run exceeds the job's `timeoutMs`; the attempt then counts as failed. */
  signal: AbortSignal;
}

export type JobHandler<P> = (payload: P, meta: JobMeta) => Promise<void>;

export interface HandleOptions<P> {
  /**
   * Called once, in the worker, when the last attempt failed (or a handler threw `PermanentJobError`)
   * — e.g. to refund an order that could not be fulfilled. At-least-once like the handler itself, so
   * it must be idempotent too. Not called for payloads that fail validation (they never parsed).
   */
  onExhausted?(payload: P, err: Error, meta: JobMeta): Promise<void> | void;
}

export interface JobCounts {
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
}

/** Minimal structured logger (pino-compatible). */
export interface JobLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentJobLogger: JobLogger = { info() {}, warn() {}, error() {} };
