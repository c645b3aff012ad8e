import { z } from "zod";

/**
 * The typed job catalog: every job name with its payload schema and retry policy. Producers and
 * workers both infer payload types from it, and both adapters read attempts/backoff/timeout from it.
 * Payload schemas must describe plain JSON (BullMQ stores payloads as JSON).
 */
export interface JobSpec<S extends z.ZodType = z.ZodType> {
  schema: S;
  /** Total runs, first one included. */
  attempts: number;
  /** Retry n waits `delayMs * 2^(n-1)`, the same formula BullMQ uses. */
  backoff: { type: "exponential"; delayMs: number };
  /** A run still going after this long counts as a failed attempt (its `signal` is aborted). */
  timeoutMs: number;
  /** Periodic jobs: the default interval the workers schedule them at (app/workers.ts). */
  repeatEveryMs?: number;
}

export type JobCatalog = Record<string, JobSpec>;

export const fulfilOrderJob = "fulfil-order";
export const expireOrdersJob = "expire-orders";
export const pollSupplierRequestsJob = "poll-supplier-requests";
export const expireHoldsJob = "expire-holds";
export const backordersJob = "backorders";
/** The custody check: the ledger's reconcile (custody vs customer funds), recorded; a mismatch is an event. */
export const checkCustodyJob = "check-custody";
/** The staff console's periodic work (app/staff-ops): alert checks, the ledger check, approval expiry. */
export const sweepStaffAlertsJob = "sweep-staff-alerts";
export const checkLedgerJob = "check-ledger";
export const expireApprovalsJob = "expire-approvals";
export const expireWithdrawalsJob = "expire-withdrawals";
/** PAYING withdrawals whose payout answer was lost: the provider is asked again (same reference). */
export const retryUnknownPayoutsJob = "retry-unknown-payouts";
export const deliverWebhookJob = "deliver-webhook";
/** Orders held for a risk review and not decided within RISK_REVIEW_TIMEOUT_MINUTES are refunded. */
export const expireHeldOrdersJob = "expire-held-orders";
/** Distributors whose volume stayed below their tier for a full period step down (core/distribution). */
export const sweepTierDowngradesJob = "sweep-tier-downgrades";

const empty = z.object({});
const backoff = (delayMs: number) => ({ type: "exponential" as const, delayMs });

export const jobCatalog = {
  // 8 attempts at 500 ms doubling: retries over ~64 s before the order is handed to onExhausted.
  [fulfilOrderJob]: {
    schema: z.object({ orderId: z.uuid() }),
    attempts: 8,
    backoff: backoff(500),
    timeoutMs: 60_000,
  },
  [expireOrdersJob]: { schema: empty, attempts: 3, backoff: backoff(1_000), timeoutMs: 60_000, repeatEveryMs: 30_000 },
  [pollSupplierRequestsJob]: {
    schema: empty,
    attempts: 3,
    backoff: backoff(1_000),
    timeoutMs: 60_000,
    repeatEveryMs: 15_000,
  },
  [expireHoldsJob]: { schema: empty, attempts: 3, backoff: backoff(1_000), timeoutMs: 60_000, repeatEveryMs: 60_000 },
  // 补单: fills waiting orders stock can cover (an import whose fill was lost), refunds the overdue ones.
  [backordersJob]: { schema: empty, attempts: 3, backoff: backoff(1_000), timeoutMs: 120_000, repeatEveryMs: 60_000 },
  [checkCustodyJob]: {
    schema: empty,
    attempts: 3,
    backoff: backoff(5_000),
    timeoutMs: 120_000,
    repeatEveryMs: 15 * 60_000,
  },
  [sweepStaffAlertsJob]: {
    schema: empty,
    attempts: 1,
    backoff: backoff(1_000),
    timeoutMs: 60_000,
    repeatEveryMs: 60_000,
  },
  [checkLedgerJob]: { schema: empty, attempts: 1, backoff: backoff(1_000), timeoutMs: 300_000, repeatEveryMs: 900_000 },
  [expireApprovalsJob]: {
    schema: empty,
    attempts: 3,
    backoff: backoff(1_000),
    timeoutMs: 60_000,
    repeatEveryMs: 60_000,
  },
  // A distributor's webhook: retried on non-2xx/timeouts, 42 s doubling — the 12th and last attempt comes
  // ≈ 24 h after the first (42 s × (2^11 − 1)); then the delivery is FAILED (the distributor can resend it).
  [deliverWebhookJob]: {
    schema: z.object({ deliveryId: z.uuid() }),
    attempts: 12,
    backoff: backoff(42_000),
    timeoutMs: 30_000,
  },
  // Withdrawals nobody decided in time: closed as EXPIRED, their holds released (core/withdrawals).
  [expireWithdrawalsJob]: {
    schema: empty,
    attempts: 3,
    backoff: backoff(1_000),
    timeoutMs: 60_000,
    repeatEveryMs: 300_000,
  },
  [retryUnknownPayoutsJob]: {
    schema: empty,
    attempts: 3,
    backoff: backoff(5_000),
    timeoutMs: 120_000,
    repeatEveryMs: 300_000,
  },
  [expireHeldOrdersJob]: {
    schema: empty,
    attempts: 3,
    backoff: backoff(1_000),
    timeoutMs: 60_000,
    repeatEveryMs: 60_000,
  },
  [sweepTierDowngradesJob]: {
    schema: empty,
    attempts: 3,
    backoff: backoff(5_000),
    timeoutMs: 300_000,
    repeatEveryMs: 3_600_000,
  },
} satisfies JobCatalog;

export type Jobs = typeof jobCatalog;
export type JobName<C extends JobCatalog = Jobs> = keyof C & string;
/** What a handler receives (after parsing). */
export type JobPayload<N extends keyof C, C extends JobCatalog = Jobs> = z.output<C[N]["schema"]>;
/** What a producer passes to `enqueue`. */
export type JobInput<N extends keyof C, C extends JobCatalog = Jobs> = z.input<C[N]["schema"]>;

/** Milliseconds to wait before retry number `retry` (1-based), as BullMQ computes it. */
export function backoffDelay(spec: Pick<JobSpec, "backoff">, retry: number): number {
  return Math.round(2 ** (retry - 1) * spec.backoff.delayMs);
}

/** Lowers attempts/backoff/timeouts per job, e.g. so tests do not wait on production backoffs. */
export function withOverrides<C extends JobCatalog>(
  catalog: C,
  overrides: { [N in keyof C]?: Partial<Omit<JobSpec, "schema">> },
): C {
  const out: JobCatalog = {};
  for (const [name, spec] of Object.entries(catalog)) out[name] = { ...spec, ...overrides[name] };
  return out as C;
}
