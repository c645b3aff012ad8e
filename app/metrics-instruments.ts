import { FulfilmentRetry } from "../core/flows/index.ts";
import type { SupplierClient, SupplierOutcome } from "../core/suppliers/index.ts";
import type { JobQueue } from "../jobs/job-queue.port.ts";
import { boundedLabels, type Metrics } from "./http/metrics.ts";

/** Supplier codes are operators' configuration: capped anyway, so a runaway config cannot grow the series. */
const MAX_SUPPLIER_LABELS = 50;

/** What a supplier call ended as: succeeded, pending, or the failure's reason (a fixed set). */
const outcomeLabel = (o: SupplierOutcome): string => (o.status === "failed" ? o.reason : o.status);

/**
 * Times and counts the supplier calls made through `client` in this process (`kameng_supplier_requests_total`,
 * `kameng_supplier_request_duration_seconds`); the process that calls the supplier is the one that knows.
 */
export function supplierClientMetrics(metrics: Metrics) {
  const label = boundedLabels(MAX_SUPPLIER_LABELS);
  return (client: SupplierClient, supplierCode: string): SupplierClient => {
    const supplier = label(supplierCode);
    const timed = async (op: "place" | "query", call: () => Promise<SupplierOutcome>) => {
      const end = metrics.supplierDuration.startTimer({ supplier, op });
      try {
        const outcome = await call();
        metrics.supplierRequests.inc({ supplier, op, outcome: outcomeLabel(outcome) });
        return outcome;
      } catch (e) {
        metrics.supplierRequests.inc({ supplier, op, outcome: "error" });
        throw e;
      } finally {
        end();
      }
    };
    return {
      place: (req) => timed("place", () => client.place(req)),
      query: (key) => timed("query", () => client.query(key)),
    };
  };
}

/**
 * Counts job failures in this process: every handler registered on `jobs` afterwards counts its failed
 * attempts (`kameng_job_failures_total`; a fulfilment waiting for its supplier is a retry, not a failure)
 * and its exhausted jobs (`kameng_jobs_exhausted_total`).
 */
export function countJobFailures(jobs: JobQueue, metrics: Metrics): void {
  const handle = jobs.handle.bind(jobs);
  jobs.handle = ((
    name: string,
    handler: (p: unknown, meta: unknown) => Promise<void>,
    opts?: { onExhausted?: (...a: unknown[]) => unknown },
  ) =>
    handle(
      name as never,
      (async (payload: unknown, meta: unknown) => {
        try {
          await handler(payload, meta);
        } catch (e) {
          if (!(e instanceof FulfilmentRetry)) metrics.jobFailures.inc({ job: name });
          throw e;
        }
      }) as never,
      {
        ...opts,
        async onExhausted(...args: unknown[]) {
          metrics.jobsExhausted.inc({ job: name });
          await opts?.onExhausted?.(...args);
        },
      } as never,
    )) as JobQueue["handle"];
}
