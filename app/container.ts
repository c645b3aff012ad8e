// api-keys.ts, not the channel's index: the CLI opens a container without loading the HTTP routes.
import { createApiKeys, type ApiKeys } from "../channels/api/api-keys.ts";
import { createCatalog, type Catalog } from "../core/catalog/index.ts";
import { createCustody, type Custody } from "../core/custody/index.ts";
import { createHttpKycProvider, createKyc, createSandboxKycProvider, type Kyc } from "../core/kyc/index.ts";
import { createDistribution, type Distribution } from "../core/distribution/index.ts";
import { createOrders, type FlowHooks, type OrderDecider, type Orders } from "../core/flows/index.ts";
import { riskOrderDecider } from "../core/flows/risk-decider.ts";
import { riskTopUpCheck } from "../core/flows/risk-money-check.ts";
import { createRiskReview, type RiskReview } from "../core/flows/risk-review.flow.ts";
import { createAudit } from "../core/audit/index.ts";
import type { Risk, RiskCounters } from "../core/risk/index.ts";
import { buildRisk } from "./risk/risk-wiring.ts";
import { createInventory, type Inventory } from "../core/inventory/index.ts";
import { createPayments, type Payments } from "../core/payments/index.ts";
import {
  createLedger,
  receivableCode,
  supplierPayableCode,
  SYSTEM_ACCOUNT_NAMES,
  systemCode,
  walletCode,
  type Ledger,
} from "../core/ledger/index.ts";
import {
  CURRENCIES,
  delegate,
  SecretBox,
  systemClock,
  systemContext,
  type Clock,
  type Currency,
  type SqlRunner,
} from "../core/shared/index.ts";
import {
  createSuppliers,
  DEFAULT_SUPPLIER_TIMEOUT_MS,
  HttpSupplierClient,
  type Suppliers,
} from "../core/suppliers/index.ts";
import { countJobFailures, supplierClientMetrics } from "./metrics-instruments.ts";
import type { BusinessGaugeDeps } from "./http/business-gauges.ts";
import {
  deliverWebhookJob,
  fulfilOrderJob,
  jobCatalog,
  withOverrides,
  type JobSpec,
  type Jobs,
} from "../jobs/catalog.ts";
import { InMemoryJobQueue } from "../jobs/in-memory-job-queue.ts";
import type { JobQueue } from "../jobs/job-queue.port.ts";
import { publicUrl, staffChannelConfigured, staffRefundOver, type Config } from "./config.ts";
import { openDatabase, type Database } from "./db/database.ts";
import { migrate } from "./db/migrator.ts";
import { createMetrics, registerConsumerGauges, type Metrics } from "./http/metrics.ts";
import { localSecret, randomKeyBase64, randomToken } from "./local-secrets.ts";
import type { Logger } from "./logger.ts";
import { consumerStatus } from "./events/consumer-admin.ts";
import { distributionBookkeeper, distributorWebhooks, fulfilmentDispatcher } from "./events/consumers.ts";
import { createWebhooks, type WebhookEventType, type Webhooks } from "../core/webhooks/index.ts";
import { OutboxConsumers, type OutboxConsumersOptions } from "./events/outbox-consumers.ts";
import type { EventConsumer } from "../core/events/index.ts";
import { fulfilJobId, startWorkers, type WorkerDeps } from "./workers.ts";
import { createFirstAttempts } from "./first-attempts.ts";
import { createStaffChecks } from "./staff-ops/staff-checks.ts";
import { createWithdrawalsFor } from "./withdrawals.ts";
import { withdrawalPayouts } from "./custody-payouts.ts";
import type { Withdrawals } from "../core/withdrawals/index.ts";
import { publicOnlyFetch } from "./http/public-fetch.ts";

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
  /** HMAC secret shared with the payout provider (PAYOUT_PROVIDER_SECRET, or generated into DATA_DIR). */
  payoutProviderSecret: string;
  metrics: Metrics;
  /** The business gauges' caching (ContainerOptions.businessGauges), for the HTTP app that registers them. */
  businessGauges: Pick<BusinessGaugeDeps, "cacheMs" | "totalsEveryMs" | "stockEveryMs" | "maxStockProducts">;
  ledger: Ledger;
  payments: Payments;
  catalog: Catalog;
  inventory: Inventory;
  suppliers: Suppliers;
  orders: Orders;
  /** Risk rules, lists and cases (docs/risk.md); its decider is in the order pipeline when RISK_ENABLED. */
  risk: Risk;
  /** The review queue of orders held by risk: approve, reject, the timeout sweep. */
  riskReview: RiskReview;
  /** The distributor economy (core/distribution): tiers, distributors, shops, the price chain. */
  distribution: Distribution;
  apiKeys: ApiKeys;
  /** Real-name verification (docs/kyc.md); withdrawals ask it (app/withdrawals.ts), next to the staff flag `kyc set`. */
  kyc: Kyc;
  /** Custody reconciliation against the bank statement (docs/custody.md). */
  custody: Custody;
  jobs: JobQueue;
  /**
   * The event consumers this process hosts (docs/events.md): `events.host(consumer)` before or after
   * `events.start()`; the composition decides which process hosts which (app/main.ts, app/chat.ts).
   */
  events: OutboxConsumers;
  /** Distributor webhooks: callback URLs, delivery log, one attempt per `deliver-webhook` job. */
  webhooks: Webhooks;
  /** Enqueues `deliver-webhook` for API orders' status changes: hosted by `serve` and by `worker`. */
  webhookDispatcher: EventConsumer<WebhookEventType>;
  /** Enqueues a delivery's next send (the dispatcher, a resend). */
  enqueueWebhook(deliveryId: string, opts?: { resend?: string }): Promise<void>;
  /** Counts delivered chain orders toward tiers (upgrades) and nets receivables: hosted by `serve` and `worker`. */
  distributionBookkeeper: EventConsumer<"order.delivered" | "order.refunded">;
  /** Enqueues `fulfil-order` for every paid order: hosted by `serve` and by `worker`. */
  fulfilmentDispatcher: EventConsumer<"order.paid">;
  /** Health checks beyond the database (Redis when configured). */
  healthChecks: Record<string, () => Promise<void>>;
  /** Registers the job handlers and starts processing (the server with RUN_WORKERS, or `worker`). */
  startWorkers(opts?: { concurrency?: number }): Promise<void>;
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
  /** How long a webhook attempt waits for the receiver (default 10 s). */
  webhookTimeoutMs?: number;
  /** Lower attempts/backoff per job (tests). */
  jobOverrides?: Partial<Record<keyof Jobs, Partial<Omit<JobSpec, "schema">>>>;
  /** Worker tuning (tests lower the sweeper's thresholds). */
  workerTuning?: Pick<
    WorkerDeps,
    "pollPendingAfterMs" | "stuckAfterMs" | "fulfilDeadlineMs" | "repeatEveryMs" | "backorderMaxWaitMs"
  >;
  /** Supplier call timeout. */
  supplierTimeoutMs?: number;
  /** How the scrape-time business gauges cache their reads (tests: 0, to see each action at once). */
  businessGauges?: Pick<BusinessGaugeDeps, "cacheMs" | "totalsEveryMs" | "stockEveryMs" | "maxStockProducts">;
  /**
   * How a paid order reaches the fulfil queue: `direct` enqueues right after the commit (the fulfilment
   * dispatcher consumer is the safety net, deduped by job id); `consumer` leaves it to the dispatcher.
   */
  dispatch?: "direct" | "consumer";
  /** Event-consumer tuning (tests poll faster, retry sooner). */
  eventTuning?: Omit<OutboxConsumersOptions, "sql" | "logger" | "counters">;
  /**
   * Wraps the hot-path runner (`db.sql`, and so every module's statements): the bench records what an
   * order sends through it (bench/capture). Never set in production.
   */
  wrapSql?: (sql: SqlRunner) => SqlRunner;
  /** Extra deciders of the placement pipeline (docs/order-pipeline.md), after risk's (RISK_ENABLED). */
  orderDeciders?: readonly OrderDecider[];
  /** The risk counters (tests pass one to share it between containers); default: Redis with REDIS_URL, else in memory. */
  riskCounters?: RiskCounters;
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
    const kycHashKey = config.KYC_HASH_KEY ?? (await localSecret(config.DATA_DIR, "kyc-hash.key", randomKeyBase64));
    const payoutProviderSecret =
      config.PAYOUT_PROVIDER_SECRET ??
      (await localSecret(config.DATA_DIR, "payout-provider.secret", () => randomToken("posec_")));
    const clock = opts.clock ?? systemClock;
    const secrets = new SecretBox(Buffer.from(key, "base64"));
    const { prisma, sql } = db;
    const catalogJobs = opts.jobOverrides ? withOverrides(jobCatalog, opts.jobOverrides) : jobCatalog;
    const jobLogger = logger.child({ part: "jobs" });
    let jobs: JobQueue;
    const healthChecks: Record<string, () => Promise<void>> = {};
    if (config.REDIS_URL) {
      // Loaded only with Redis: BullMQ and ioredis are a noticeable part of a CLI command's start-up.
      const { BullMqJobQueue } = await import("../jobs/bullmq-job-queue.ts");
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
    const metrics = createMetrics();
    countJobFailures(jobs, metrics);

    const ledger = createLedger({ sql, clock });
    // The shared accounts exist before the first order: created lazily, the first concurrent orders
    // would all race to create the same rows (the ledger answers such a race with a retry error).
    for (const cur of Object.keys(CURRENCIES) as Currency[])
      for (const name of SYSTEM_ACCOUNT_NAMES)
        await ledger.accountFor(systemContext("startup"), systemCode(name, cur), cur);
    const kyc = createKyc({
      sql,
      clock,
      secrets,
      idHasher: new SecretBox(Buffer.from(kycHashKey, "base64")),
      // A provider bridge speaking the documented protocol, or the sandbox (docs/kyc.md).
      provider:
        config.KYC_PROVIDER_URL && config.KYC_PROVIDER_SECRET
          ? createHttpKycProvider({
              name: new URL(config.KYC_PROVIDER_URL).host,
              url: config.KYC_PROVIDER_URL,
              secret: config.KYC_PROVIDER_SECRET,
              clock,
            })
          : createSandboxKycProvider(),
      audit: createAudit({ sql, clock }),
    });
    const { risk, counters: riskCounters } = await buildRisk({
      config,
      sql,
      clock,
      logger,
      ...(opts.riskCounters ? { counters: opts.riskCounters } : {}),
      // The buyer's real-name status for the rules (`buyer.kyc`: verified, pending, rejected, unverified).
      kycStatus: async (ctx, userId) => {
        const s = await kyc.state(delegate(ctx, "risk.kyc"), userId);
        return s.status === "NONE" ? "unverified" : s.status.toLowerCase();
      },
    });
    if (!opts.riskCounters && riskCounters.close) closers.push(() => riskCounters.close!());
    const supplierMetrics = supplierClientMetrics(metrics);
    const payments = createPayments({
      sql,
      clock,
      ledger,
      sandbox: { secret: sandboxWebhookSecret, publicUrl: publicUrl(config) },
      starsRates: { CNY: config.STARS_PER_CNY },
      ...(config.RISK_ENABLED ? { topUpCheck: riskTopUpCheck(risk) } : {}),
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
      // The generic HTTP protocol, timed and counted per supplier in this process (/metrics).
      clientFor: (s) =>
        supplierMetrics(
          new HttpSupplierClient({
            baseUrl: s.baseUrl,
            secret: s.secret,
            clock,
            timeoutMs: opts.supplierTimeoutMs ?? DEFAULT_SUPPLIER_TIMEOUT_MS,
          }),
          s.code,
        ),
    });
    const flowLogger = logger.child({ part: "orders" });
    const events = new OutboxConsumers({
      sql,
      logger: logger.child({ part: "events" }),
      counters: {
        handled: (consumer, n) => metrics.eventsHandled.inc({ consumer }, n),
        failed: (consumer, n) => metrics.eventsFailed.inc({ consumer }, n),
      },
      ...opts.eventTuning,
    });
    registerConsumerGauges(metrics, () => consumerStatus(db.sql));
    const dispatch = opts.dispatch ?? "direct";
    const enqueueFulfil = (orderId: string) =>
      jobs
        .enqueue(fulfilOrderJob, { orderId }, { jobId: fulfilJobId(orderId) })
        .catch((e: unknown) => flowLogger.warn({ err: e, orderId }, "enqueue fulfil-order failed"));
    const dispatcher = fulfilmentDispatcher(async (orderId) => {
      // Attempted in this process right after its commit: a failed attempt enqueued itself, and a crash
      // mid-attempt is the stuck-order sweeper's.
      if (firstAttempts.attemptedHere(orderId)) return;
      await jobs.enqueue(fulfilOrderJob, { orderId }, { jobId: fulfilJobId(orderId) });
    });
    let workersStarted = false;
    const firstAttempts = createFirstAttempts({
      fulfil: (order) => orders.fulfil(systemContext("fulfil-first-attempt"), { orderId: order.id }, { known: order }),
      enqueue: (orderId) => enqueueFulfil(orderId).then(() => {}),
      limit: config.WORKER_CONCURRENCY,
    });
    const distribution = createDistribution({
      sql,
      clock,
      ledger,
      receivableCode,
      referral: { bps: config.REFERRAL_REWARD_BPS, periodDays: config.REFERRAL_PERIOD_DAYS },
      maxOverRetailBps: config.SHOP_MAX_OVER_RETAIL_BPS ?? null,
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
      deciders: [...(config.RISK_ENABLED ? [riskOrderDecider(risk)] : []), ...(opts.orderDeciders ?? [])],
      ...(config.RISK_ENABLED
        ? { heldAtPayment: (ctx, tx, orderId) => risk.hasOpenReview(ctx, { subjectId: orderId }, { tx }) }
        : {}),
      chain: distribution,
      staffRefundOver: staffRefundOver(config.STAFF_APPROVAL_REFUND_OVER),
      hooks: {
        ...opts.flowHooks,
        warn: (obj, msg) => flowLogger.warn(obj, msg),
        onCommitted: ({ type, order }) => {
          // Fast path: a process that runs the fulfil workers makes the first attempt itself right after
          // the commit (first-attempts.ts); any other queues the fulfil job. The fulfilment dispatcher (a
          // consumer of order.paid) covers a crash between the commit and this line, and the stuck-order
          // sweeper covers a lost job or attempt. The consumers of this event type hosted here are woken at
          // once (other processes' consumers find it by polling).
          if (dispatch === "direct" && type === "order.paid")
            if (workersStarted) firstAttempts.start(order);
            else void enqueueFulfil(order.id);
          events.nudge(type);
        },
      },
    });
    const apiKeys = createApiKeys({ db: prisma, sql, clock, secrets });
    // Paid withdrawals are the payouts a statement's debits match (docs/custody.md); read when a report runs.
    const custody = createCustody({
      sql,
      clock,
      payments,
      payouts: withdrawalPayouts(() => withdrawalsForWorkers()),
      ledger,
    });
    const webhookPrivateTargets = config.WEBHOOK_PRIVATE_TARGETS ?? config.NODE_ENV !== "production";
    const webhooks = createWebhooks({
      sql,
      clock,
      secrets,
      allowHttp: config.NODE_ENV !== "production",
      ...(webhookPrivateTargets ? { privateTargets: true } : { privateTargets: false, fetch: publicOnlyFetch() }),
      ...(opts.webhookTimeoutMs ? { timeoutMs: opts.webhookTimeoutMs } : {}),
      codes: { codesFor: (orderId) => orders.codesFor(systemContext("webhooks"), { orderId }) },
    });
    const enqueueWebhook = async (deliveryId: string, o: { resend?: string } = {}) => {
      // One queued send per delivery; a resend is a job of its own, one per request key while it is queued
      // (job ids may not contain ':', so the key is hashed).
      const jobId = o.resend
        ? `webhook-${deliveryId}-r-${secrets.keyedHash(o.resend, "webhook-resend").slice(0, 16)}`
        : `webhook-${deliveryId}`;
      await jobs.enqueue(deliverWebhookJob, { deliveryId }, { jobId });
    };
    const webhookDispatcher = distributorWebhooks({
      record: (event) => webhooks.record(systemContext("webhooks"), event),
      enqueue: (id) => enqueueWebhook(id),
    });
    const riskReview = createRiskReview({ orders, risk, audit: createAudit({ sql, clock }) });

    // Closed first: the consumers stop (and give their leases back) before the queue and the database close.
    const extraClosers: Array<() => Promise<void>> = [() => events.stop(), () => firstAttempts.idle()];
    // The withdrawals' sweeper (expire-withdrawals): made on first use, with an audit trail of its own.
    let sweeper: Withdrawals | undefined;
    const withdrawalsForWorkers = () =>
      (sweeper ??= createWithdrawalsFor(
        { db, clock, secrets, config, ledger, payoutProviderSecret, kyc, distribution },
        createAudit({ sql: db.sql, clock }),
      ));
    return {
      config,
      logger,
      clock,
      db,
      secrets,
      sandboxWebhookSecret,
      payoutProviderSecret,
      metrics,
      businessGauges: opts.businessGauges ?? {},
      ledger,
      payments,
      catalog,
      inventory,
      suppliers,
      orders,
      risk,
      riskReview,
      distribution,
      apiKeys,
      kyc,
      custody,
      jobs,
      events,
      fulfilmentDispatcher: dispatcher,
      webhooks,
      webhookDispatcher,
      enqueueWebhook,
      distributionBookkeeper: distributionBookkeeper({ orders, distribution }),
      healthChecks,
      async startWorkers(o = {}) {
        if (workersStarted) return;
        workersStarted = true;
        await startWorkers(
          {
            jobs,
            orders,
            suppliers,
            ledger,
            custody,
            distribution,
            logger: jobLogger,
            backorderMaxWaitMs: config.BACKORDER_MAX_WAIT_MINUTES * 60_000,
            // Only with a staff channel to tell (Slack or a Telegram staff group): alerts, ledger watch, expiry.
            ...(staffChannelConfigured(config)
              ? {
                  staffChecks: createStaffChecks({
                    db,
                    clock,
                    secrets,
                    orders,
                    config,
                    ledger,
                    payoutProviderSecret,
                    catalog,
                    suppliers,
                    inventory,
                    kyc,
                    distribution,
                  }),
                }
              : {}),
            withdrawals: withdrawalsForWorkers,
            webhooks,
            riskReview,
            heldOrderTimeoutMs: config.RISK_REVIEW_TIMEOUT_MINUTES * 60_000,
            ...opts.workerTuning,
          },
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
