import { Hono } from "hono";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ConsumerStatus } from "../events/consumer-admin.ts";

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<"method" | "route" | "status">;
  httpDuration: Histogram<"method" | "route">;
  /** Events handled by this process, per consumer (retries that succeeded included). */
  eventsHandled: Counter<"consumer">;
  /** Handler failures in this process, per consumer (each retry that failed counts). */
  eventsFailed: Counter<"consumer">;
  /** Supplier calls made by this process, by supplier code, operation and outcome. */
  supplierRequests: Counter<"supplier" | "op" | "outcome">;
  supplierDuration: Histogram<"supplier" | "op">;
  /** Job attempts that failed in this process (a retry will follow unless it was the last). */
  jobFailures: Counter<"job">;
  /** Jobs whose last attempt failed in this process (their exhaustion handler ran, e.g. a refund). */
  jobsExhausted: Counter<"job">;
  /** Webhook requests this process refused, by source and reason. */
  webhookRejections: Counter<"source" | "reason">;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "kameng_" });
  return {
    registry,
    httpRequests: new Counter({
      name: "kameng_http_requests_total",
      help: "HTTP requests",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "kameng_http_request_duration_seconds",
      help: "HTTP request duration",
      labelNames: ["method", "route"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    eventsHandled: new Counter({
      name: "kameng_events_handled_total",
      help: "Domain events handled by this process, per consumer",
      labelNames: ["consumer"],
      registers: [registry],
    }),
    eventsFailed: new Counter({
      name: "kameng_events_failed_total",
      help: "Domain-event handler failures in this process, per consumer",
      labelNames: ["consumer"],
      registers: [registry],
    }),
    supplierRequests: new Counter({
      name: "kameng_supplier_requests_total",
      help: "Supplier calls made by this process, by supplier code, operation (place|query) and outcome (succeeded, pending, or the failure reason)",
      labelNames: ["supplier", "op", "outcome"],
      registers: [registry],
    }),
    supplierDuration: new Histogram({
      name: "kameng_supplier_request_duration_seconds",
      help: "Supplier call duration in this process, by supplier code and operation",
      labelNames: ["supplier", "op"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    jobFailures: new Counter({
      name: "kameng_job_failures_total",
      help: "Job attempts that failed in this process, per job name (retried unless it was the last)",
      labelNames: ["job"],
      registers: [registry],
    }),
    jobsExhausted: new Counter({
      name: "kameng_jobs_exhausted_total",
      help: "Jobs whose last attempt failed in this process, per job name",
      labelNames: ["job"],
      registers: [registry],
    }),
    webhookRejections: new Counter({
      name: "kameng_webhook_rejections_total",
      help: "Webhook requests refused by this process, by source (sandbox, supplier, telegram) and reason",
      labelNames: ["source", "reason"],
      registers: [registry],
    }),
  };
}

/**
 * A label value from a set that is not fixed in code (supplier codes, product SKUs): the first `max` distinct
 * values pass, later ones become "other", so a misconfiguration cannot grow the series without bound.
 */
export function boundedLabels(max: number): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= max) return "other";
    seen.add(value);
    return value;
  };
}

/**
 * Per-consumer gauges read from the database at each scrape (every consumer, hosted here or not):
 * lag (events after its cursor), the age of the oldest of them, failures waiting for a retry, parked
 * failures, and whether a process holds its lease.
 */
export function registerConsumerGauges(metrics: Metrics, status: () => Promise<ConsumerStatus[]>): void {
  let cached: { at: number; rows: Promise<ConsumerStatus[]> } | undefined;
  const read = () => {
    const now = performance.now();
    if (!cached || now - cached.at > 500) {
      const rows = status();
      rows.catch(() => (cached = undefined));
      cached = { at: now, rows };
    }
    return cached.rows;
  };
  const gauge = (name: string, help: string, value: (s: ConsumerStatus) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["consumer"],
      registers: [metrics.registry],
      async collect() {
        this.reset();
        for (const s of await read()) this.set({ consumer: s.name }, value(s));
      },
    });
  gauge("kameng_event_consumer_lag", "Committed events of the consumer's types after its cursor", (s) => s.lag);
  gauge("kameng_event_consumer_lag_seconds", "Age of the oldest event the consumer has not handled", (s) =>
    s.oldestPendingAt ? Math.max(0, (s.now.getTime() - s.oldestPendingAt.getTime()) / 1000) : 0,
  );
  gauge("kameng_event_consumer_failing", "Failed events waiting for a retry", (s) => s.failing);
  gauge("kameng_event_consumer_parked", "Failed events parked after their last attempt", (s) => s.parked);
  gauge("kameng_event_consumer_leased", "1 when a process holds the consumer's lease (works it)", (s) =>
    s.leaseActive ? 1 : 0,
  );
}

export function metricsRoutes(metrics: Metrics) {
  return new Hono().get("/", async (c) => {
    c.header("Content-Type", metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });
}
