import { sql, type SqlExecutor } from "../../core/shared/sql.ts";

/**
 * Reads and operator actions on the event consumers (docs/events.md "Operating"), for /metrics and the
 * CLI. They work from any process — none needs to host the consumer.
 */

/** Lag is counted up to this many events (a consumer further behind shows this number). */
export const LAG_COUNT_CAP = 100_000;

export interface ConsumerStatus {
  name: string;
  types: string[];
  cursor: { txId: string; id: string };
  leaseOwner: string | null;
  leaseUntil: Date | null;
  /** A process holds the lease now (it is working the consumer). */
  leaseActive: boolean;
  /** Events of its types after its cursor (committed; at most LAG_COUNT_CAP). */
  lag: number;
  /** When the oldest of them was written (null when there are none). */
  oldestPendingAt: Date | null;
  /** Failed events waiting for a retry. */
  failing: number;
  /** Failed events parked after their last attempt. */
  parked: number;
  /** The database clock now (to age `oldestPendingAt` against). */
  now: Date;
}

export async function consumerStatus(db: SqlExecutor): Promise<ConsumerStatus[]> {
  const rows = await db.query<{
    name: string;
    types: string[];
    cursor_tx_id: bigint;
    cursor_id: bigint;
    lease_owner: string | null;
    lease_until: Date | null;
    lease_active: boolean;
    lag: number;
    oldest: Date | null;
    failing: number;
    parked: number;
    now: Date;
  }>(sql`
    SELECT c.name, c.types, c.cursor_tx_id, c.cursor_id, c.lease_owner, c.lease_until,
      COALESCE(c.lease_until > clock_timestamp(), false) AS lease_active,
      (SELECT count(*)::int FROM (
          SELECT 1 FROM outbox_events e
          WHERE (e.tx_id, e.id) > (c.cursor_tx_id, c.cursor_id) AND e.type = ANY(c.types)
          LIMIT ${LAG_COUNT_CAP}::int) l) AS lag,
      (SELECT e.created_at FROM outbox_events e
          WHERE (e.tx_id, e.id) > (c.cursor_tx_id, c.cursor_id) AND e.type = ANY(c.types)
          ORDER BY e.tx_id, e.id LIMIT 1) AS oldest,
      (SELECT count(*)::int FROM event_failures f WHERE f.consumer = c.name AND f.parked_at IS NULL) AS failing,
      (SELECT count(*)::int FROM event_failures f WHERE f.consumer = c.name AND f.parked_at IS NOT NULL) AS parked,
      clock_timestamp() AS now
    FROM event_consumers c
    ORDER BY c.name`);
  return rows.map((r) => ({
    name: r.name,
    types: r.types,
    cursor: { txId: r.cursor_tx_id.toString(), id: r.cursor_id.toString() },
    leaseOwner: r.lease_owner,
    leaseUntil: r.lease_until,
    leaseActive: r.lease_active,
    lag: r.lag,
    oldestPendingAt: r.oldest,
    failing: r.failing,
    parked: r.parked,
    now: r.now,
  }));
}

export interface EventFailureRow {
  consumer: string;
  eventId: string;
  type: string;
  createdAt: Date;
  attempts: number;
  nextAttemptAt: Date;
  parkedAt: Date | null;
  firstFailedAt: Date;
  lastError: string;
}

export async function listFailures(
  db: SqlExecutor,
  opts: { consumer?: string; parkedOnly?: boolean; limit?: number } = {},
): Promise<EventFailureRow[]> {
  const rows = await db.query<{
    consumer: string;
    event_id: bigint;
    type: string;
    created_at: Date;
    attempts: number;
    next_attempt_at: Date;
    parked_at: Date | null;
    first_failed_at: Date;
    last_error: string;
  }>(sql`
    SELECT f.consumer, f.event_id, e.type, e.created_at, f.attempts, f.next_attempt_at, f.parked_at,
           f.first_failed_at, f.last_error
    FROM event_failures f JOIN outbox_events e ON e.id = f.event_id
    WHERE (${opts.consumer ?? null}::text IS NULL OR f.consumer = ${opts.consumer ?? null}::text)
      AND (NOT ${opts.parkedOnly ?? false}::boolean OR f.parked_at IS NOT NULL)
    ORDER BY f.consumer, f.event_id
    LIMIT ${Math.min(Math.max(opts.limit ?? 100, 1), 10_000)}::int`);
  return rows.map((r) => ({
    consumer: r.consumer,
    eventId: r.event_id.toString(),
    type: r.type,
    createdAt: r.created_at,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    parkedAt: r.parked_at,
    firstFailedAt: r.first_failed_at,
    lastError: r.last_error,
  }));
}

/**
 * Makes failed events of `consumer` due now — the given ones, or every parked one with `allParked` — and
 * unparks them. A retried event that fails again is parked again after that one attempt (its attempts
 * are kept). Returns how many were rescheduled.
 */
export async function retryFailures(
  db: SqlExecutor,
  input: { consumer: string; eventIds?: string[]; allParked?: boolean },
): Promise<number> {
  const ids = input.eventIds ?? [];
  if (!input.allParked && ids.length === 0) return 0;
  for (const id of ids) if (!/^\d{1,19}$/.test(id)) throw new Error(`not an event id: ${JSON.stringify(id)}`);
  return db.execute(sql`UPDATE event_failures
    SET parked_at = NULL, next_attempt_at = clock_timestamp(), updated_at = clock_timestamp()
    WHERE consumer = ${input.consumer}
      AND (${input.allParked ?? false}::boolean AND parked_at IS NOT NULL OR event_id = ANY(${ids}::bigint[]))`);
}
