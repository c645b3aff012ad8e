import { createApiKeys, type ApiKeys } from "../channels/api/index.ts";
import { createCatalog, type Catalog } from "../core/catalog/index.ts";
import { createOrders, type FlowHooks, type Orders } from "../core/flows/index.ts";
import { createInventory, type Inventory } from "../core/inventory/index.ts";
import { createPayments, type Payments } from "../core/payments/index.ts";
import {
  createLedger,
  supplierPayableCode,
  SYSTEM_ACCOUNT_NAMES,
  systemCode,
  walletCode,
  type Ledger,
} from "../core/ledger/index.ts";
import {
  CURRENCIES,
  SecretBox,
  systemClock,
  systemContext,
  type Clock,
  type Currency,
  type SqlRunner,
} from "../core/shared/index.ts";
import { createSuppliers, type Suppliers } from "../core/suppliers/index.ts";
import { fulfilOrderJob, jobCatalog, withOverrides, type JobSpec, type Jobs } from "../jobs/catalog.ts";
import { BullMqJobQueue } from "../jobs/bullmq-job-queue.ts";
import { InMemoryJobQueue } from "../jobs/in-memory-job-queue.ts";
import type { JobQueue } from "../jobs/job-queue.port.ts";
import { publicUrl, type Config } from "./config.ts";
import { openDatabase, type Database } from "./db/database.ts";
import { migrate } from "./db/migrator.ts";
import { createMetrics, type Metrics } from "./http/metrics.ts";
import { localSecret, randomKeyBase64, randomToken } from "./local-secrets.ts";
import type { Logger } from "./logger.ts";
import type { EventBus } from "./events/event-bus.port.ts";
import { InProcessEventBus } from "./events/in-process-event-bus.ts";
import { OutboxRelay } from "./events/outbox-relay.ts";
import { fulfilJobId, startWorkers, type WorkerDeps } from "./workers.ts";

/**
 * The composition root: the only place that reads config and constructs adapters. Everything the
 * edges (HTTP, bots, workers, CLI) need hangs off the container.
 */
export interface Container {
  config: Config;
  logger: Logger;
  clock: Clock;
  /** `db.sql` runs the hot paths (the SqlRunner), `db.prisma` admin CRUD and reports (docs/data-access.md). */
  db: Database;
  secrets: SecretBox;
  sandboxWebhookSecret: string;
  metrics: Metrics;
  ledger: Ledger;
  payments: Payments;
  catalog: Catalog;
  inventory: Inventory;
  suppliers: Suppliers;
  orders: Orders;
  apiKeys: ApiKeys;
  jobs: JobQueue;
  /** Committed domain events (published by the outbox relay); chat layers subscribe here. */
  events: EventBus;
  relay: OutboxRelay;
  /** Health checks beyond the database (Redis when configured). */
  healthChecks: Record<string, () => Promise<void>>;
  /** Registers the job handlers and starts processing (the server with RUN_WORKERS, or `worker`). */
  startWorkers(opts?: { concurrency?: number }): Promise<void>;
  /** Starts the outbox relay's sweeper (every process that commits order changes runs one). */
  startRelay(opts?: { intervalMs?: number }): void;
  /** Runs on close, before the queue and the database close (the in-process supplier sim, …). */
  onClose(fn: () => Promise<void>): void;
  /** Closes what the container opened, last-opened first. */
  close(): Promise<void>;
}

export interface ContainerOptions {
  clock?: Clock;
  /** Skip migrations (the CLI's `migrate` runs them itself and reports). */
  skipMigrations?: boolean;
  /** Extra flow hooks; the crash test's `afterSupplierCall` comes through here (never from core). */
  flowHooks?: Pick<FlowHooks, "afterSupplierCall">;
  /** Lower attempts/backoff per job (tests). */
  jobOverrides?: Partial<Record<keyof Jobs, Partial<Omit<JobSpec, "schema">>>>;
  /** Worker tuning (tests lower the sweeper's thresholds). */
  workerTuning?: Pick<WorkerDeps, "pollPendingAfterMs" | "stuckAfterMs" | "fulfilDeadlineMs" | "repeatEveryMs">;
  /** Supplier call timeout. */
  supplierTimeoutMs?: number;
  /**
   * How a paid order reaches the fulfil queue: `direct` enqueues right after the commit (the relay's
   * `order.paid` subscriber is the safety net, deduped by job id); `relay` only nudges the relay.
   */
  dispatch?: "direct" | "relay";
  /**
   * Wraps the hot-path runner (`db.sql`, and so every module's statements): the bench records what an
   * order sends through it (bench/capture). Never set in production.
   */
  wrapSql?: (sql: SqlRunner) => SqlRunner;
}

export async function createContainer(config: Config, logger: Logger, opts: ContainerOptions = {}): Promise<Container> {
  const closers: Array<() => Promise<void>> = [];
  const opened = await openDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    poolSize: config.DATABASE_POOL_SIZE,
  });
  closers.push(() => opened.close());
  const db: Database = opts.wrapSql ? { ...opened, sql: opts.wrapSql(opened.sql) } : opened;
  try {
    if (!opts.skipMigrations) {
      const conn = await db.connect();
      try {
        const res = await migrate(conn);
        if (res.applied.length) logger.info({ applied: res.applied }, "database migrated");
      } finally {
        await conn.close();
      }
    }
    const key =
      config.CODE_ENCRYPTION_KEY ?? (await localSecret(config.DATA_DIR, "code-encryption.key", randomKeyBase64));
    const sandboxWebhookSecret =
      config.SANDBOX_WEBHOOK_SECRET ??
      (await localSecret(config.DATA_DIR, "sandbox-webhook.secret", () => randomToken("whsec_")));
    const clock = opts.clock ?? systemClock;
    const secrets = new SecretBox(Buffer.from(key, "base64"));
    const { prisma, sql } = db;
    const catalogJobs = opts.jobOverrides ? withOverrides(jobCatalog, opts.jobOverrides) : jobCatalog;
    const jobLogger = logger.child({ part: "jobs" });
    let jobs: JobQueue;
    const healthChecks: Record<string, () => Promise<void>> = {};
    if (config.REDIS_URL) {
      jobs = new BullMqJobQueue({
        url: config.REDIS_URL,
        prefix: config.REDIS_PREFIX,
        catalog: catalogJobs,
        logger: jobLogger,
      });
      healthChecks.redis = () => jobs.ping();
    } else {
      jobs = new InMemoryJobQueue({
        catalog: catalogJobs,
        nodeEnv: config.NODE_ENV,
        allowInMemory: config.ALLOW_IN_MEMORY_QUEUE,
        logger: jobLogger,
      });
      if (config.NODE_ENV !== "test") logger.warn("jobs run on the in-process queue (set REDIS_URL for BullMQ)");
    }
    await jobs.init();
    closers.push(() => jobs.close());

    const ledger = createLedger({ sql, clock });
    // The shared accounts exist before the first order: created lazily, the first concurrent orders
    // would all race to create the same rows (the ledger answers such a race with a retry error).
    for (const cur of Object.keys(CURRENCIES) as Currency[])
      for (const name of SYSTEM_ACCOUNT_NAMES)
        await ledger.accountFor(systemContext("startup"), systemCode(name, cur), cur);
    const payments = createPayments({
      sql,
      clock,
      ledger,
      sandbox: { secret: sandboxWebhookSecret, publicUrl: publicUrl(config) },
    });
    const catalog = createCatalog({ prisma, sql, clock });
    const inventory = createInventory({ prisma, sql, clock, secrets, catalog });
    const suppliers = createSuppliers({
      prisma,
      sql,
      clock,
      secrets,
      callbackBaseUrl: publicUrl(config),
      ...(opts.supplierTimeoutMs ? { timeoutMs: opts.supplierTimeoutMs } : {}),
    });
    const flowLogger = logger.child({ part: "orders" });
    const events = new InProcessEventBus();
    const relay = new OutboxRelay({
      sql,
      bus: events,
      logger: logger.child({ part: "outbox" }),
      clock,
      mode: db.kind === "pglite" ? "single-process" : "row-locks",
    });
    const dispatch = opts.dispatch ?? "direct";
    const enqueueFulfil = (orderId: string) =>
      jobs
        .enqueue(fulfilOrderJob, { orderId }, { jobId: fulfilJobId(orderId) })
        .catch((e: unknown) => flowLogger.warn({ err: e, orderId }, "enqueue fulfil-order failed"));
    events.subscribe("order.paid", async (e) => {
      const orderId = String(e.payload.orderId);
      await jobs.enqueue(fulfilOrderJob, { orderId }, { jobId: fulfilJobId(orderId) });
    });
    const orders = createOrders({
      sql,
      clock,
      ledger,
      accounts: { walletCode, systemCode, supplierPayableCode },
      catalog,
      inventory,
      suppliers,
      paymentWindowMs: config.ORDER_PAYMENT_WINDOW_SECONDS * 1000,
      hooks: {
        ...opts.flowHooks,
        warn: (obj, msg) => flowLogger.warn(obj, msg),
        onCommitted: ({ type, order }) => {
          // Fast path: the fulfil job is queued right after the commit; the relay's sweeper (every second)
          // publishes the outbox in batches and covers a crash between the commit and this line, and the
          // stuck-order sweeper covers a lost job. Nudging the relay after every commit instead costs a
          // relay transaction per commit on the hot path.
          if (dispatch === "direct") {
            if (type === "order.paid") enqueueFulfil(order.id);
          } else relay.notify();
        },
      },
    });
    const apiKeys = createApiKeys({ db: prisma, clock, secrets });

    let relayStarted = false;
    const extraClosers: Array<() => Promise<void>> = [() => relay.stop()];
    let workersStarted = false;
    return {
      config,
      logger,
      clock,
      db,
      secrets,
      sandboxWebhookSecret,
      metrics: createMetrics(),
      ledger,
      payments,
      catalog,
      inventory,
      suppliers,
      orders,
      apiKeys,
      jobs,
      events,
      relay,
      healthChecks,
      startRelay(o = {}) {
        if (relayStarted) return;
        relayStarted = true;
        relay.start({ intervalMs: o.intervalMs ?? 1_000 });
      },
      async startWorkers(o = {}) {
        if (workersStarted) return;
        workersStarted = true;
        await startWorkers(
          { jobs, orders, suppliers, ledger, logger: jobLogger, ...opts.workerTuning },
          { concurrency: o.concurrency ?? config.WORKER_CONCURRENCY },
        );
      },
      onClose(fn) {
        extraClosers.push(fn);
      },
      async close() {
        for (const close of [...extraClosers.reverse(), ...closers.reverse()])
          await close().catch((e) => logger.error({ err: e }, "close failed"));
      },
    };
  } catch (e) {
    for (const close of closers.reverse()) await close().catch(() => {});
    throw e;
  }
}
