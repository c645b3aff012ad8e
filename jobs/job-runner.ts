import { invalidData } from "../core/shared/errors.ts";
import type { JobCatalog, JobSpec } from "./catalog.ts";
import { InvalidJobPayloadError, JobTimeoutError, PermanentJobError } from "./job-errors.ts";
import type { HandleOptions, JobHandler, JobLogger, JobMeta } from "./job-queue.port.ts";

/**
 * The parts of running a job that both adapters share, so their semantics cannot drift: payload
 * validation, the timeout, and deciding whether a failure is retried or final.
 */
export interface Registration {
  handler: JobHandler<unknown>;
  onExhausted?: HandleOptions<unknown>["onExhausted"];
}

export function specOf(catalog: JobCatalog, name: string): JobSpec {
  const spec = catalog[name];
  if (!spec) throw invalidData("unknown_job", `unknown job "${name}"`, { job: name });
  return spec;
}

/** Producer-side validation: returns the parsed payload, throws `invalid_job_payload`. */
export function parseForEnqueue(catalog: JobCatalog, name: string, payload: unknown): unknown {
  const parsed = specOf(catalog, name).schema.safeParse(payload);
  if (!parsed.success)
    throw invalidData("invalid_job_payload", `invalid payload for job "${name}"`, {
      job: name,
      issues: parsed.error.issues,
    });
  return parsed.data;
}

export function checkDelay(delayMs: number | undefined): number {
  const d = delayMs ?? 0;
  if (!Number.isFinite(d) || d < 0) throw invalidData("invalid_job_delay", `delayMs must be ≥ 0, got ${delayMs}`);
  return d;
}

export function checkDedupeKey(key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  if (key.length === 0 || key.length > 255) throw invalidData("invalid_job_id", "jobId must be 1–255 characters");
  return key;
}

export type AttemptOutcome = { ok: true } | { ok: false; err: Error; final: boolean };

export interface AttemptInput {
  name: string;
  spec: JobSpec;
  registration: Registration;
  data: unknown;
  jobId: string;
  attempt: number;
  attempts: number;
  logger: JobLogger;
}

/** Runs one attempt. Never throws: the adapter turns the outcome into "done", "retry" or "failed". */
export async function runAttempt(input: AttemptInput): Promise<AttemptOutcome> {
  const { name, spec, registration, jobId, attempt, attempts, logger } = input;
  const parsed = spec.schema.safeParse(input.data);
  if (!parsed.success) {
    const err = new InvalidJobPayloadError(name, parsed.error.issues);
    logger.error({ job: name, jobId, issues: parsed.error.issues }, "job payload failed validation; not retried");
    return { ok: false, err, final: true };
  }
  const controller = new AbortController();
  const meta: JobMeta = { jobId, attempt, attempts, signal: controller.signal };
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = new JobTimeoutError(name, spec.timeoutMs);
        controller.abort(e);
        reject(e);
      }, spec.timeoutMs);
    });
    await Promise.race([registration.handler(parsed.data, meta), timeout]);
    return { ok: true };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const final = err instanceof PermanentJobError || attempt >= attempts;
    logger[final ? "error" : "warn"](
      { job: name, jobId, attempt, attempts, err },
      final ? "job failed for good" : "job attempt failed; will retry",
    );
    if (final && registration.onExhausted) {
      try {
        await registration.onExhausted(parsed.data, err, meta);
      } catch (hookErr) {
        logger.error({ job: name, jobId, err: hookErr }, "onExhausted failed");
      }
    }
    return { ok: false, err, final };
  } finally {
    clearTimeout(timer);
  }
}
