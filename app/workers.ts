import type { Orders } from "../core/flows/index.ts";
import { FulfilmentRetry } from "../core/flows/index.ts";
import { systemContext } from "../core/shared/index.ts";
import type { Suppliers } from "../core/suppliers/index.ts";
import type { Ledger } from "../core/ledger/index.ts";
import type { Custody } from "../core/custody/index.ts";
import type { StaffChecks } from "./staff-ops/staff-checks.ts";
import type { Withdrawals } from "../core/withdrawals/index.ts";
import type { Webhooks } from "../core/webhooks/index.ts";
import type { RiskReview } from "../core/flows/index.ts";
import {
  backordersJob,
  checkCustodyJob,
  checkLedgerJob,
  expireApprovalsJob,
  expireHeldOrdersJob,
  expireHoldsJob,
  expireOrdersJob,
  deliverWebhookJob,
  expireWithdrawalsJob,
  retryUnknownPayoutsJob,
  fulfilOrderJob,
  jobCatalog,
  pollSupplierRequestsJob,
  sweepStaffAlertsJob,
  sweepTierDowngradesJob,
} from "../jobs/catalog.ts";
import type { Distribution } from "../core/distribution/index.ts";
import type { JobQueue } from "../jobs/job-queue.port.ts";
import type { Logger } from "./logger.ts";

export interface WorkerDeps {
  jobs: JobQueue;
  orders: Orders;
  suppliers: Pick<Suppliers, "pendingRequests" | "query">;
  ledger: Pick<Ledger, "expireHolds">;
  /** The scheduled custody check (absent: not scheduled). */
  custody?: Pick<Custody, "check">;
  /** Made when the workers start (it needs the audit trail): closes undecided withdrawals past their expiry. */
  withdrawals?: () => Pick<Withdrawals, "expireDue" | "retryUnknownPayouts">;
  /** Sends distributor webhooks (deliver-webhook). */
  webhooks?: Pick<Webhooks, "deliver" | "markFailed">;
  /** Refunds held orders nobody decided in time (`expire-held-orders`); without it the job does nothing. */
  riskReview?: Pick<RiskReview, "expireOverdue">;
  /** How long a held order waits for staff (RISK_REVIEW_TIMEOUT_MINUTES). */
  heldOrderTimeoutMs?: number;
  distribution: Pick<Distribution, "sweepDowngrades">;
  logger: Logger;
  /** The staff console's periodic checks (alerts, ledger, approval expiry); absent: not scheduled. */
  staffChecks?: StaffChecks;
  /** Supplier requests pending longer than this are queried by the poller. */
  pollPendingAfterMs?: number;
  /** PAID/FULFILLING orders untouched this long are fulfilled again by the sweeper (their job was lost). */
  stuckAfterMs?: number;
  /** A FULFILLING order still not delivered this long after payment is refunded (never limbo). */
  fulfilDeadlineMs?: number;
  /** 补单: orders waiting for stock longer than this are refunded (BACKORDER_MAX_WAIT_MINUTES). */
  backorderMaxWaitMs?: number;
  /** Override the catalog's repeat intervals (tests). */
  repeatEveryMs?: Partial<Record<string, number>>;
}

/** The fulfil job's dedupe key: one queued fulfilment per order (job ids may not contain ':'). */
export const fulfilJobId = (orderId: string) => `fulfil-${orderId}`;

/** Maps every job name this process runs to its flow. The same handlers run in-process and in `worker`. */
export function registerJobHandlers(d: WorkerDeps): void {
  const ctx = (jobId: string) => systemContext(`job:${jobId}`);

  d.jobs.handle(
    fulfilOrderJob,
    async ({ orderId }, meta) => {
      try {
        await d.orders.fulfil(ctx(meta.jobId), { orderId }, { finalAttempt: meta.attempt >= meta.attempts });
      } catch (e) {
        if (e instanceof FulfilmentRetry) d.logger.info({ orderId, attempt: meta.attempt }, e.message);
        throw e;
      }
    },
    {
      async onExhausted({ orderId }, err, meta) {
        d.logger.warn({ orderId, err: err.message }, "fulfilment retries exhausted: refunding");
        await d.orders.refundExhausted(ctx(meta.jobId), { orderId, reason: `fulfilment failed: ${err.message}` });
      },
    },
  );

  d.jobs.handle(expireOrdersJob, async (_p, meta) => {
    const n = await d.orders.expireDue(ctx(meta.jobId));
    if (n) d.logger.info({ expired: n }, "expired unpaid orders");
  });

  d.jobs.handle(pollSupplierRequestsJob, async (_p, meta) => {
    const c = ctx(meta.jobId);
    const pending = await d.suppliers.pendingRequests(c, { olderThanMs: d.pollPendingAfterMs ?? 5_000, limit: 200 });
    for (const p of pending) {
      try {
        const outcome = await d.suppliers.query(c, { supplierId: p.supplierId, requestKey: p.requestKey });
        await d.orders.applySupplierOutcome(c, { orderId: p.orderId, supplierId: p.supplierId, outcome });
      } catch (e) {
        d.logger.warn({ orderId: p.orderId, err: (e as Error).message }, "supplier poll failed");
      }
    }
    const swept = await d.orders.sweepStuck(c, {
      olderThanMs: d.stuckAfterMs ?? 30_000,
      deadlineMs: d.fulfilDeadlineMs ?? 30 * 60_000,
    });
    if (swept.length) d.logger.info({ swept: swept.length }, "recovered stuck orders");
  });

  d.jobs.handle(expireHoldsJob, async (_p, meta) => {
    await d.ledger.expireHolds(ctx(meta.jobId));
  });

  d.jobs.handle(backordersJob, async (_p, meta) => {
    const r = await d.orders.sweepBackorders(ctx(meta.jobId), { maxWaitMs: d.backorderMaxWaitMs ?? 24 * 3_600_000 });
    if (r.filled || r.refunded) d.logger.info(r, "backorders: filled from stock / refunded after waiting too long");
  });

  const custody = d.custody;
  if (custody)
    d.jobs.handle(checkCustodyJob, async (_p, meta) => {
      for (const r of await custody.check(ctx(meta.jobId)))
        if (!r.ok)
          d.logger.error(
            {
              currency: r.currency,
              custody: String(r.custody),
              customerFunds: String(r.customerFunds),
              alerted: r.alerted,
            },
            "custody does not match customer funds",
          );
    });
  const checks = d.staffChecks;
  if (checks) {
    d.jobs.handle(sweepStaffAlertsJob, async (_p, meta) => {
      const r = await checks.sweepAlerts(ctx(meta.jobId));
      for (const err of r.errors) d.logger.warn({ err }, "staff alerts: a check failed");
    });
    d.jobs.handle(checkLedgerJob, async (_p, meta) => void (await checks.checkLedger(ctx(meta.jobId))));
    d.jobs.handle(expireApprovalsJob, async (_p, meta) => {
      const n = await checks.expireApprovals(ctx(meta.jobId));
      if (n) d.logger.info({ expired: n }, "expired approval requests");
    });
  }
  const webhooks = d.webhooks;
  if (webhooks)
    d.jobs.handle(
      deliverWebhookJob,
      async (p, meta) => {
        const r = await webhooks.deliver(ctx(meta.jobId), { deliveryId: p.deliveryId });
        // Thrown: the queue retries with its backoff (a hanging receiver was cut off by the attempt's timeout).
        if (!r.ok) throw new Error(r.error);
      },
      {
        onExhausted: async (p, err, meta) => {
          await webhooks.markFailed(ctx(meta.jobId), { deliveryId: p.deliveryId, error: err.message });
        },
      },
    );

  d.jobs.handle(expireWithdrawalsJob, async (_p, meta) => {
    const r = await d.withdrawals?.().expireDue(ctx(meta.jobId));
    if (r?.expired) d.logger.info({ expired: r.expired }, "expired undecided withdrawals");
  });

  d.jobs.handle(retryUnknownPayoutsJob, async (_p, meta) => {
    const r = await d.withdrawals?.().retryUnknownPayouts(ctx(meta.jobId));
    if (r?.paid || r?.failed) d.logger.info(r, "payouts whose answer was lost, asked again");
    // Money held with no answer from the provider: an operator should look (the CLI's retry-payout, the provider).
    if (r?.unknown) d.logger.warn({ unknown: r.unknown }, "payouts still without an answer from the provider");
  });

  d.jobs.handle(expireHeldOrdersJob, async (_p, meta) => {
    if (!d.riskReview) return;
    const n = await d.riskReview.expireOverdue(ctx(meta.jobId), { olderThanMs: d.heldOrderTimeoutMs ?? 86_400_000 });
    if (n) d.logger.info({ refunded: n }, "refunded held orders not reviewed in time");
  });

  d.jobs.handle(sweepTierDowngradesJob, async (_p, meta) => {
    const changed = await d.distribution.sweepDowngrades(ctx(meta.jobId));
    if (changed.length) d.logger.info({ downgraded: changed.length }, "distributor tiers stepped down");
  });
}

/** Registers the handlers, schedules the periodic jobs and starts processing. */
export async function startWorkers(d: WorkerDeps, opts: { concurrency: number }): Promise<void> {
  registerJobHandlers(d);
  const repeated = [
    expireOrdersJob,
    pollSupplierRequestsJob,
    expireHoldsJob,
    expireWithdrawalsJob,
    retryUnknownPayoutsJob,
    expireHeldOrdersJob,
    sweepTierDowngradesJob,
    backordersJob,
  ] as const;
  const staff = d.staffChecks ? ([sweepStaffAlertsJob, checkLedgerJob, expireApprovalsJob] as const) : [];
  // The custody check runs where the process has custody (serve, worker).
  const custodyJobs = d.custody ? ([checkCustodyJob] as const) : [];
  for (const name of [...repeated, ...staff, ...custodyJobs]) {
    const every = d.repeatEveryMs?.[name] ?? jobCatalog[name].repeatEveryMs;
    await d.jobs.repeat(name, {}, every);
  }
  await d.jobs.startWorkers(opts);
}
