import { jobCatalog, type JobCatalog, type JobInput, type JobName, type JobPayload, type Jobs } from "./catalog.ts";
import type { HandleOptions, JobHandler, JobQueue } from "./job-queue.port.ts";

export type HandlerEntry<P> = JobHandler<P> | ({ handler: JobHandler<P> } & HandleOptions<P>);

/** One entry per job name this process works on. */
export type HandlerMap<C extends JobCatalog = Jobs> = { [N in JobName<C>]?: HandlerEntry<JobPayload<N, C>> };

export interface RunWorkersOptions<C extends JobCatalog> {
  concurrency: number;
  /** The queue's catalog (for each job's `repeatEveryMs`); defaults to the app's. */
  catalog?: C;
  /**
   * Interval overrides for periodic jobs (`false` = do not schedule that job here). By default every
   * handled job with a `repeatEveryMs` in the catalog is scheduled, with an empty payload.
   */
  schedules?: { [N in JobName<C>]?: number | false };
}

export interface RunningWorkers {
  handled: string[];
  scheduled: Record<string, number>;
  /** Stops taking jobs and waits for the active ones (the queue itself stays open). */
  stop(): Promise<void>;
}

/** Registers the handlers, schedules the periodic jobs they cover, and starts the workers. */
export async function runWorkers<C extends JobCatalog = Jobs>(
  queue: JobQueue<C>,
  handlers: HandlerMap<C>,
  opts: RunWorkersOptions<C>,
): Promise<RunningWorkers> {
  const catalog = opts.catalog ?? (jobCatalog as JobCatalog as C);
  const handled: string[] = [];
  const scheduled: Record<string, number> = {};
  for (const name of Object.keys(handlers) as JobName<C>[]) {
    const entry = handlers[name];
    if (!entry) continue;
    const { handler, ...options } = typeof entry === "function" ? { handler: entry } : entry;
    queue.handle(name, handler, options);
    handled.push(name);
    const everyMs = opts.schedules?.[name] ?? catalog[name]?.repeatEveryMs;
    if (typeof everyMs === "number") {
      await queue.repeat(name, {} as JobInput<typeof name, C>, everyMs);
      scheduled[name] = everyMs;
    }
  }
  await queue.startWorkers({ concurrency: opts.concurrency });
  return { handled, scheduled, stop: () => queue.stopWorkers() };
}
