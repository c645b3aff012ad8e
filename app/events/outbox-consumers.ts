import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { parseEventPayload, type CommittedEvent, type EventConsumer, type EventType } from "../../core/events/index.ts";
import { sql, type SqlRunner } from "../../core/shared/sql.ts";

/**
 * Durable fan-out of the outbox to named consumers (docs/events.md). Each consumer has a row in
 * `event_consumers` with its cursor; a process that hosts a consumer works it while it holds the row's
 * lease, and every event of the consumer's types reaches it at least once, whichever process committed
 * the event and whichever processes run.
 *
 * The cursor rule. Outbox ids are taken at insert, not at commit, so ids do not commit in order, and a
 * cursor over ids alone would pass a lower id that commits late. Each row carries the id of the
 * transaction that wrote it (`tx_id`), and a consumer reads only rows below the snapshot horizon —
 * `tx_id < pg_snapshot_xmin(pg_current_snapshot())`: every transaction below it has ended, so no row can
 * still appear there — in `(tx_id, id)` order. The cursor `(tx_id, id)` therefore never passes an event
 * that can still commit. When a batch comes back short, every event of the consumer's types below the
 * horizon is handled and the cursor moves to `(horizon, 0)`.
 *
 * One process at a time works a consumer: the lease (`lease_owner`, `lease_until` by the database clock)
 * is taken when free or expired and renewed as the consumer goes; no transaction is held open while
 * handlers run. A batch is read, prepared once, handled event by event, and then — in one statement, only
 * while this process still holds the lease — the cursor advances and the batch's failures are recorded.
 * A process that dies mid-batch leaves the cursor where it was: the next owner (after the lease expires)
 * handles that batch again, so handlers are idempotent on the event id.
 *
 * Failures do not block: a failed event is recorded in `event_failures` (attempts, next attempt with
 * backoff, last error) and the cursor moves on; due failures are retried; after `maxAttempts` the event is
 * parked (kept, visible in /metrics and `npm run cli -- events failed`, retried by `events retry`) and the
 * alert hook is called. Each consumer runs its own loop, so a failing or slow consumer delays only itself.
 *
 * Latency: `nudge()` after a commit in this process wakes the consumers of that event type at once; an
 * idle consumer polls every `pollMs` for other processes' commits, and polls sooner while events it wants
 * are committed above the horizon (waiting for an older transaction to end). An idle poll costs one
 * statement per process, shared by its consumers: the horizon alone (no table read). While it has not
 * moved since a consumer last read up to it, no transaction has ended and nothing new can be read.
 */

export interface ConsumerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What the alert hook is told when an event is parked. */
export interface ParkedEvent {
  consumer: string;
  eventId: string;
  type: string;
  attempts: number;
  error: string;
}

export interface ConsumerCounters {
  handled(consumer: string, n: number): void;
  failed(consumer: string, n: number): void;
}

export interface OutboxConsumersOptions {
  sql: SqlRunner;
  logger?: ConsumerLogger;
  /** This process in leases (default `host:pid:random`). */
  owner?: string;
  /** How often an idle consumer looks for events committed by other processes. Default 200 ms. */
  pollMs?: number;
  /** How often a process that does not hold a consumer's lease checks whether it is free. Default 1 s. */
  standbyPollMs?: number;
  /** Lease length; renewed once a third of it has passed. Default 15 s. */
  leaseMs?: number;
  batchSize?: number;
  /** Attempts before a failing event is parked (a consumer may set its own). Default 10. */
  maxAttempts?: number;
  /** A failed event waits `retryBaseMs · 2^(attempts−1)`, at most `retryMaxMs`. Defaults 1 s and 5 min. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /**
   * Due failures are looked for when one recorded or rescheduled here comes due, and at least this often
   * (for failures an operator made due, or a previous owner left). Default 5 s.
   */
  retryCheckMs?: number;
  /** A handler running longer counts as failed (it is not cancelled). Default 10 s. */
  handlerTimeoutMs?: number;
  /** The alert hook for parked events (default: logged as an error). */
  onParked?: (event: ParkedEvent) => void;
  counters?: ConsumerCounters;
}

export interface PassResult {
  /** This process holds the consumer's lease (otherwise nothing was done). */
  leased: boolean;
  handled: number;
  failed: number;
  retried: number;
  /** A full batch was read: there may be more right away. */
  more: boolean;
  /** Events of the consumer's types are committed above the horizon (an older transaction is still open). */
  unsettled: boolean;
}

interface Tuning {
  pollMs: number;
  standbyPollMs: number;
  leaseMs: number;
  batchSize: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  retryCheckMs: number;
  handlerTimeoutMs: number;
}

interface OutboxRow {
  id: bigint;
  tx_id: bigint;
  type: string;
  payload: unknown;
  created_at: Date;
}

interface NewFailure {
  eventId: bigint;
  attempts: number;
  delayMs: number;
  parked: boolean;
  error: string;
}

/** The cursor of a consumer: every event of its types at or before `(txId, id)` is handled. */
interface Cursor {
  txId: bigint;
  id: bigint;
}

/** A consumer idle this long writes its cursor up to the horizon (so polls do not rescan others' events). */
const IDLE_CURSOR_WRITE_MS = 5_000;
/** First re-poll delay while events wait above the horizon; doubles up to `pollMs`. */
const SETTLE_MIN_MS = 5;
/**
 * Nudged while busy (commits keep coming): the next pass starts at least this long after the last one
 * started, so that under load each pass takes a batch rather than one event (a nudge after an idle spell
 * starts a pass at once).
 */
const NUDGE_SPACING_MS = 10;
const ERROR_BACKOFF_MS = 2_000;
const MAX_ERROR_CHARS = 2_000;

const noopLogger: ConsumerLogger = { info() {}, warn() {}, error() {} };

export function errorText(e: unknown): string {
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}…` : text;
}

const after = (c: Cursor, row: { txId: bigint; id: bigint }) =>
  row.txId > c.txId || (row.txId === c.txId && row.id > c.id);

class ConsumerLoop {
  private running = false;
  private loopDone: Promise<void> | undefined;
  private leased = false;
  /** performance.now() of the last lease write that succeeded. */
  private leaseAt = 0;
  /** What this process has handled (ahead of `written` while idle). */
  private cursor: Cursor = { txId: 0n, id: 0n };
  /** The cursor as last written to the consumer's row. */
  private written: Cursor = { txId: 0n, id: 0n };
  private lastCursorWrite = 0;
  private nextRetryCheck = 0;
  /** The horizon this consumer last read everything below (undefined: read again before trusting it). */
  private readHorizon: bigint | undefined;
  /** The last pass left nothing to do right away (no full batch, nothing waiting above the horizon). */
  private idle = false;
  private settleDelay = SETTLE_MIN_MS;
  private nudged = false;
  private wake: (() => void) | undefined;
  private registered: Promise<void> | undefined;
  /** One pass at a time (the loop, or runOnce from a test or tool). */
  private passing: Promise<PassResult> | undefined;

  constructor(
    readonly consumer: EventConsumer,
    private readonly db: SqlRunner,
    private readonly owner: string,
    private readonly t: Tuning,
    private readonly logger: ConsumerLogger,
    private readonly onParked: (e: ParkedEvent) => void,
    private readonly counters: ConsumerCounters | undefined,
    /** The snapshot horizon now (one statement shared by the process's consumers). */
    private readonly horizon: () => Promise<bigint>,
  ) {}

  private get name() {
    return this.consumer.name;
  }
  private get maxAttempts() {
    return Math.max(1, this.consumer.maxAttempts ?? this.t.maxAttempts);
  }

  /** Creates the consumer's row the first time (at the start it declares); keeps its types current. */
  register(): Promise<void> {
    this.registered ??= (async () => {
      const types = [...this.consumer.types];
      const fromNow = this.consumer.startFrom === "now";
      await this.db.execute(sql`INSERT INTO event_consumers (name, types, cursor_tx_id, cursor_id)
        SELECT ${this.name}, ${types}::text[],
          CASE WHEN ${fromNow}::boolean THEN pg_snapshot_xmin(pg_current_snapshot())::text::bigint ELSE 0 END, 0
        ON CONFLICT (name) DO UPDATE SET types = EXCLUDED.types, updated_at = clock_timestamp()
        WHERE event_consumers.types IS DISTINCT FROM EXCLUDED.types`);
    })().catch((e: unknown) => {
      this.registered = undefined;
      throw e;
    });
    return this.registered;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  nudge(): void {
    // A nudge ends an idle wait when this process works the consumer (a standby waits for the lease; a
    // loop already nudged keeps its spacing).
    if (this.leased && !this.nudged) this.wake?.();
    this.nudged = true;
  }

  /** Stops the loop (after the event in hand) and gives the lease back. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
    await this.passing?.catch(() => undefined);
    if (this.leased) {
      this.leased = false;
      await this.db
        .execute(
          sql`UPDATE event_consumers SET lease_owner = NULL, lease_until = NULL, updated_at = clock_timestamp()
            WHERE name = ${this.name} AND lease_owner = ${this.owner}`,
        )
        .catch((err: unknown) => this.logger.warn({ err, consumer: this.name }, "releasing the consumer lease failed"));
    }
  }

  /** One pass: take or renew the lease, retry due failures, handle one batch. */
  async runOnce(): Promise<PassResult> {
    while (this.passing) await this.passing.catch(() => undefined);
    this.passing = this.pass().finally(() => (this.passing = undefined));
    return this.passing;
  }

  /** Nothing can be new for this consumer: idle, lease and retries not due, and the horizon where it read up to. */
  private async nothingNew(): Promise<boolean> {
    if (!this.idle || this.nudged || !this.leased || this.readHorizon === undefined) return false;
    const now = performance.now();
    if (now - this.leaseAt >= this.t.leaseMs / 3 || now >= this.nextRetryCheck) return false;
    return (await this.horizon()) === this.readHorizon;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let delay: number;
      try {
        if (await this.nothingNew()) {
          if (!this.nudged) await this.sleep(this.t.pollMs); // (a nudge during the probe: go on at once)
          continue;
        }
        this.nudged = false;
        const started = performance.now();
        const r = await this.runOnce();
        this.idle = r.leased && !r.more && !r.unsettled;
        if (!r.leased) delay = this.t.standbyPollMs;
        else if (r.more) delay = 0;
        else if (this.nudged) delay = Math.max(0, NUDGE_SPACING_MS - (performance.now() - started));
        else if (r.unsettled) {
          delay = this.settleDelay;
          this.settleDelay = Math.min(this.settleDelay * 2, this.t.pollMs);
        } else delay = this.t.pollMs;
        if (!r.unsettled) this.settleDelay = SETTLE_MIN_MS;
      } catch (err) {
        this.logger.warn({ err, consumer: this.name }, "event consumer pass failed; retrying");
        delay = ERROR_BACKOFF_MS;
      }
      if (!this.running) break;
      await this.sleep(delay);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.wake = done;
      if (!this.running) done();
    });
  }

  private async pass(): Promise<PassResult> {
    const result: PassResult = { leased: false, handled: 0, failed: 0, retried: 0, more: false, unsettled: false };
    await this.register();
    if (!(await this.ensureLease())) return result;
    result.leased = true;

    if (performance.now() >= this.nextRetryCheck) {
      this.nextRetryCheck = performance.now() + this.t.retryCheckMs;
      const r = await this.retryDue();
      result.retried = r.retried;
      result.failed += r.failed;
      result.more ||= r.full;
      if (r.full) this.nextRetryCheck = 0;
      if (!this.leased) return result;
    }

    const b = await this.batch();
    result.handled += b.handled;
    result.failed += b.failed;
    result.more ||= b.full;
    result.unsettled = b.unsettled;
    result.leased = this.leased;
    return result;
  }

  /** Takes the lease when free or expired, or renews it once a third of it has passed. */
  private async ensureLease(): Promise<boolean> {
    if (this.leased && performance.now() - this.leaseAt < this.t.leaseMs / 3) return true;
    const rows = await this.db.query<{ cursor_tx_id: bigint; cursor_id: bigint; previous_owner: string | null }>(
      sql`UPDATE event_consumers
        SET lease_owner = ${this.owner}, lease_until = clock_timestamp() + ${this.t.leaseMs}::int * interval '1 millisecond',
            updated_at = clock_timestamp()
        WHERE name = ${this.name}
          AND (lease_owner = ${this.owner} OR lease_owner IS NULL OR lease_until < clock_timestamp())
        RETURNING cursor_tx_id, cursor_id,
          (SELECT p.lease_owner FROM event_consumers p WHERE p.name = ${this.name}) AS previous_owner`,
    );
    const row = rows[0];
    if (!row) {
      if (this.leased) this.logger.warn({ consumer: this.name }, "lost the consumer lease to another process");
      this.leased = false;
      return false;
    }
    if (!this.leased) {
      this.cursor = this.written = { txId: row.cursor_tx_id, id: row.cursor_id };
      this.lastCursorWrite = performance.now();
      this.nextRetryCheck = 0;
      this.readHorizon = undefined;
      if (row.previous_owner && row.previous_owner !== this.owner)
        this.logger.info(
          { consumer: this.name, from: row.previous_owner },
          "took over an event consumer whose lease had expired",
        );
    }
    this.leased = true;
    this.leaseAt = performance.now();
    return true;
  }

  private backoff(attempts: number): number {
    return Math.min(this.t.retryBaseMs * 2 ** Math.max(0, attempts - 1), this.t.retryMaxMs);
  }

  /** A failure recorded or rescheduled here comes due after `delayMs`: look for it then. */
  private retryIn(delayMs: number): void {
    this.nextRetryCheck = Math.min(this.nextRetryCheck, performance.now() + delayMs);
  }

  /** Parses a row; an event that does not match the catalog is parked at once (retrying cannot fix it). */
  private parse(row: OutboxRow, failures: NewFailure[]): CommittedEvent | undefined {
    try {
      return {
        id: row.id.toString(),
        type: row.type,
        payload: parseEventPayload(row.type, row.payload),
        createdAt: row.created_at,
      } as CommittedEvent;
    } catch (e) {
      failures.push({ eventId: row.id, attempts: this.maxAttempts, delayMs: 0, parked: true, error: errorText(e) });
      return undefined;
    }
  }

  private async prepare(events: CommittedEvent[]): Promise<void> {
    if (!this.consumer.prepare || events.length === 0) return;
    try {
      await this.consumer.prepare(events);
    } catch (err) {
      this.logger.warn({ err, consumer: this.name }, "event batch preparation failed; handling the events anyway");
    }
  }

  private async handle(event: CommittedEvent): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`handling ${event.type} #${event.id} timed out after ${this.t.handlerTimeoutMs} ms`)),
        this.t.handlerTimeoutMs,
      );
    });
    try {
      await Promise.race([Promise.resolve().then(() => this.consumer.handle(event)), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Renews the lease when due while handling; false when it was lost (the batch must not be recorded). */
  private async stillLeased(): Promise<boolean> {
    try {
      return await this.ensureLease();
    } catch (err) {
      this.logger.warn({ err, consumer: this.name }, "renewing the consumer lease failed");
      return performance.now() - this.leaseAt < this.t.leaseMs * 0.9;
    }
  }

  private async batch(): Promise<{ handled: number; failed: number; full: boolean; unsettled: boolean }> {
    const types = [...this.consumer.types];
    const rows = await this.db.query<OutboxRow & { horizon: bigint; unsettled: boolean }>(sql`
      SELECT h.horizon, h.unsettled, e.id, e.tx_id, e.type, e.payload, e.created_at
      FROM (
        SELECT x.horizon, EXISTS (
            SELECT 1 FROM outbox_events u
            WHERE u.tx_id >= x.horizon AND u.type = ANY(${types}::text[])
              AND (u.tx_id, u.id) > (${this.cursor.txId}::bigint, ${this.cursor.id}::bigint)) AS unsettled
        FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS horizon) x
      ) h
      LEFT JOIN LATERAL (
        SELECT o.id, o.tx_id, o.type, o.payload, o.created_at FROM outbox_events o
        WHERE (o.tx_id, o.id) > (${this.cursor.txId}::bigint, ${this.cursor.id}::bigint)
          AND o.tx_id < h.horizon AND o.type = ANY(${types}::text[])
        ORDER BY o.tx_id, o.id
        LIMIT ${this.t.batchSize}::int
      ) e ON true
      ORDER BY e.tx_id, e.id`);
    const head = rows[0]!;
    const found = rows.filter((r) => r.id !== null) as OutboxRow[];
    const full = found.length >= this.t.batchSize;
    const failures: NewFailure[] = [];
    const events: Array<{ row: OutboxRow; event: CommittedEvent | undefined }> = found.map((row) => ({
      row,
      event: this.parse(row, failures),
    }));
    await this.prepare(events.flatMap((e) => (e.event ? [e.event] : [])));

    const { handled, done, lost } = await this.handleAll(events, failures);
    if (lost) return { handled, failed: 0, full: false, unsettled: false };

    // Where the cursor goes: past the last event handled, or — when the whole short batch was — up to the horizon.
    const all = done === events.length;
    const last = done > 0 ? events[done - 1]!.row : undefined;
    const next: Cursor =
      all && !full ? { txId: head.horizon, id: 0n } : last ? { txId: last.tx_id, id: last.id } : this.cursor;
    if (done === 0) {
      // Nothing of ours below the horizon: move on in memory (a restart rescans only events of other
      // types), and write the position now and then so those rescans stay short.
      if (after(this.cursor, next)) this.cursor = next;
      this.readHorizon = head.horizon;
      if (after(this.written, this.cursor) && performance.now() - this.lastCursorWrite >= IDLE_CURSOR_WRITE_MS)
        if (!(await this.advance(this.cursor, []))) return { handled, failed: 0, full: false, unsettled: false };
      return { handled, failed: 0, full: false, unsettled: head.unsettled };
    }
    const kept = failures.filter((f) => events.slice(0, done).some((e) => e.row.id === f.eventId));
    if (!(await this.advance(next, kept))) return { handled, failed: 0, full: false, unsettled: false };
    this.readHorizon = all && !full ? head.horizon : undefined;
    for (const f of kept) if (!f.parked) this.retryIn(f.delayMs);
    for (const f of kept.filter((x) => x.parked)) {
      const row = found.find((r) => r.id === f.eventId)!;
      this.park({
        consumer: this.name,
        eventId: row.id.toString(),
        type: row.type,
        attempts: f.attempts,
        error: f.error,
      });
    }
    if (handled) this.counters?.handled(this.name, handled);
    if (kept.length) this.counters?.failed(this.name, kept.length);
    return { handled, failed: kept.length, full: full && all, unsettled: head.unsettled };
  }

  /**
   * Handles a batch's events in order — up to the consumer's `concurrency` at once, events of one `key`
   * one after another — recording failures. `done`: how many events from the start of the batch have
   * finished (the cursor may pass those); `lost`: the lease was lost (nothing may be recorded).
   */
  private async handleAll(
    items: Array<{ row: OutboxRow; event: CommittedEvent | undefined }>,
    failures: NewFailure[],
  ): Promise<{ handled: number; done: number; lost: boolean }> {
    const limit = Math.max(1, this.consumer.concurrency ?? 1);
    const finished = items.map(() => false);
    const chains = new Map<string, Promise<void>>();
    const running = new Set<Promise<void>>();
    let handled = 0;
    let lost = false;
    for (let i = 0; i < items.length; i++) {
      if (!this.running && this.loopDone) break;
      while (running.size >= limit) await Promise.race(running);
      if (!(await this.stillLeased())) {
        lost = true;
        break;
      }
      const { row, event } = items[i]!;
      const key = event && limit > 1 && this.consumer.key ? this.consumer.key(event) : limit > 1 ? `#${i}` : "";
      const run = async () => {
        if (event) {
          try {
            await this.handle(event);
            handled++;
          } catch (e) {
            const parked = this.maxAttempts <= 1;
            failures.push({ eventId: row.id, attempts: 1, delayMs: this.backoff(1), parked, error: errorText(e) });
            this.logger.warn(
              { consumer: this.name, eventId: event.id, type: event.type, attempts: 1, err: e },
              "event handler failed; will retry",
            );
          }
        }
        finished[i] = true;
      };
      const task = (chains.get(key) ?? Promise.resolve()).then(run);
      chains.set(key, task);
      const tracked: Promise<void> = task.finally(() => running.delete(tracked));
      running.add(tracked);
    }
    await Promise.all(running);
    let done = 0;
    while (done < items.length && finished[done]) done++;
    return { handled, done, lost };
  }

  /** Moves the cursor and records the batch's failures, in one statement, only while this process holds the lease. */
  private async advance(next: Cursor, failures: NewFailure[]): Promise<boolean> {
    const rows = await this.db.query<{ n: number }>(sql`
      WITH c AS (
        UPDATE event_consumers
        SET cursor_tx_id = ${next.txId}::bigint, cursor_id = ${next.id}::bigint,
            lease_until = clock_timestamp() + ${this.t.leaseMs}::int * interval '1 millisecond',
            updated_at = clock_timestamp()
        WHERE name = ${this.name} AND lease_owner = ${this.owner}
        RETURNING name),
      f AS (
        INSERT INTO event_failures (consumer, event_id, attempts, next_attempt_at, last_error, parked_at, first_failed_at, updated_at)
        SELECT c.name, x.event_id, x.attempts, clock_timestamp() + x.delay_ms * interval '1 millisecond', x.err,
               CASE WHEN x.parked THEN clock_timestamp() END, clock_timestamp(), clock_timestamp()
        FROM c, unnest(${failures.map((f) => f.eventId.toString())}::bigint[], ${failures.map((f) => f.attempts)}::int[],
                       ${failures.map((f) => f.delayMs)}::int[], ${failures.map((f) => f.error)}::text[],
                       ${failures.map((f) => f.parked)}::boolean[]) AS x(event_id, attempts, delay_ms, err, parked)
        ON CONFLICT (consumer, event_id) DO NOTHING)
      SELECT count(*)::int AS n FROM c`);
    if ((rows[0]?.n ?? 0) === 0) {
      this.logger.warn(
        { consumer: this.name },
        "lost the consumer lease before recording a batch; the next owner repeats it",
      );
      this.leased = false;
      return false;
    }
    this.cursor = this.written = next;
    this.leaseAt = performance.now();
    this.lastCursorWrite = performance.now();
    return true;
  }

  private park(e: ParkedEvent): void {
    try {
      this.onParked(e);
    } catch (err) {
      this.logger.error({ err, consumer: e.consumer, eventId: e.eventId }, "the parked-event alert hook failed");
    }
  }

  /** Retries due failures of this consumer: a success removes the failure, a failure reschedules or parks it. */
  private async retryDue(): Promise<{ retried: number; failed: number; full: boolean }> {
    const rows = await this.db.query<OutboxRow & { attempts: number }>(sql`
      SELECT o.id, o.tx_id, o.type, o.payload, o.created_at, f.attempts
      FROM event_failures f JOIN outbox_events o ON o.id = f.event_id
      WHERE f.consumer = ${this.name} AND f.parked_at IS NULL AND f.next_attempt_at <= clock_timestamp()
      ORDER BY f.next_attempt_at, f.event_id
      LIMIT ${this.t.batchSize}::int`);
    if (rows.length === 0) return { retried: 0, failed: 0, full: false };
    const invalid: NewFailure[] = [];
    const events = rows.map((row) => ({ row, event: this.parse(row, invalid) }));
    await this.prepare(events.flatMap((e) => (e.event ? [e.event] : [])));
    let retried = 0;
    let failed = 0;
    for (const { row, event } of events) {
      if (!this.running && this.loopDone) break;
      if (!(await this.stillLeased())) break;
      let error: string | undefined;
      if (!event) error = invalid.find((f) => f.eventId === row.id)!.error;
      else {
        try {
          await this.handle(event);
        } catch (e) {
          error = errorText(e);
        }
      }
      if (error === undefined) {
        await this.db.execute(sql`DELETE FROM event_failures f
          WHERE f.consumer = ${this.name} AND f.event_id = ${row.id}::bigint AND f.attempts = ${row.attempts}::int
            AND EXISTS (SELECT 1 FROM event_consumers c WHERE c.name = ${this.name} AND c.lease_owner = ${this.owner})`);
        retried++;
        continue;
      }
      failed++;
      const attempts = event ? row.attempts + 1 : Math.max(row.attempts + 1, this.maxAttempts);
      const parked = attempts >= this.maxAttempts;
      const n = await this.db.execute(sql`UPDATE event_failures f
        SET attempts = ${attempts}::int, last_error = ${error},
            next_attempt_at = clock_timestamp() + ${this.backoff(attempts)}::int * interval '1 millisecond',
            parked_at = CASE WHEN ${parked}::boolean THEN clock_timestamp() END, updated_at = clock_timestamp()
        WHERE f.consumer = ${this.name} AND f.event_id = ${row.id}::bigint AND f.attempts = ${row.attempts}::int
          AND EXISTS (SELECT 1 FROM event_consumers c WHERE c.name = ${this.name} AND c.lease_owner = ${this.owner})`);
      if (n > 0 && !parked) this.retryIn(this.backoff(attempts));
      if (n > 0 && parked)
        this.park({ consumer: this.name, eventId: row.id.toString(), type: row.type, attempts, error });
      else if (n > 0)
        this.logger.warn(
          { consumer: this.name, eventId: row.id.toString(), type: row.type, attempts, err: error },
          "event handler failed again; will retry",
        );
    }
    if (retried) this.counters?.handled(this.name, retried);
    if (failed) this.counters?.failed(this.name, failed);
    return { retried, failed, full: rows.length >= this.t.batchSize };
  }
}

/** Any fixed 64-bit number: processes checking for a restored database take turns. */
const REBASE_LOCK_ID = 72_707_115_002;

/**
 * Transaction ids come from the database cluster. A database restored from a logical dump into another
 * cluster (pg_dump/pg_restore, logical replication; not pg_upgrade, which keeps them) carries `tx_id`s and
 * cursors from the old cluster's counter, which may be ahead of the new one: new events would sort before
 * the cursors and be skipped until the new counter caught up. Detected at start (a stored id beyond the
 * next one this cluster will assign) and repaired under a lock: each cursor moves to just before the first
 * event it may not have handled — after it in the old order, or written by this cluster (a `tx_id` below
 * the next one) — and every committed row becomes `tx_id` 0 (id order). Nothing is skipped; a few events
 * may be handled again. Returns how many consumers were moved.
 */
export async function rebaseAfterRestore(db: SqlRunner, logger: ConsumerLogger = noopLogger): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.query(sql`SELECT pg_advisory_xact_lock(${REBASE_LOCK_ID}::bigint)`);
    const [probe] = await tx.query<{ next: bigint; ahead: boolean }>(sql`
      SELECT x.next, EXISTS (SELECT 1 FROM event_consumers WHERE cursor_tx_id > x.next)
                     OR EXISTS (SELECT 1 FROM outbox_events WHERE tx_id > x.next) AS ahead
      FROM (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS next) x`);
    if (!probe?.ahead) return 0;
    const moved = await tx.execute(sql`
      UPDATE event_consumers c SET cursor_tx_id = 0, updated_at = clock_timestamp(),
        cursor_id = COALESCE(
          (SELECT min(e.id) - 1 FROM outbox_events e
           WHERE (e.tx_id, e.id) > (c.cursor_tx_id, c.cursor_id) OR (e.tx_id > 0 AND e.tx_id < ${probe.next}::bigint)),
          (SELECT COALESCE(max(e.id), 0) FROM outbox_events e))`);
    await tx.execute(sql`UPDATE outbox_events SET tx_id = 0 WHERE tx_id <> 0`);
    logger.error(
      { consumers: moved },
      "event cursors were ahead of this database cluster's transaction ids (restored from a logical dump?): rebased them",
    );
    return moved;
  });
}

/**
 * The consumers this process hosts (`host`), each worked by its own loop once `start`ed. Which process
 * hosts what is decided by the composition (app/main.ts): `serve` hosts the shop notifier, the Stars
 * refunder and the fulfilment dispatcher, `worker` the fulfilment dispatcher; an event whose consumer no
 * running process hosts waits for it.
 */
export class OutboxConsumers {
  readonly owner: string;
  private readonly loops = new Map<string, ConsumerLoop>();
  private readonly t: Tuning;
  private readonly logger: ConsumerLogger;
  private readonly onParked: (e: ParkedEvent) => void;
  private started = false;
  private probe: { at: number; horizon: Promise<bigint> } | undefined;

  constructor(private readonly opts: OutboxConsumersOptions) {
    this.owner = opts.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
    this.logger = opts.logger ?? noopLogger;
    this.t = {
      pollMs: opts.pollMs ?? 200,
      standbyPollMs: opts.standbyPollMs ?? 1_000,
      leaseMs: opts.leaseMs ?? 15_000,
      batchSize: opts.batchSize ?? 100,
      maxAttempts: opts.maxAttempts ?? 10,
      retryBaseMs: opts.retryBaseMs ?? 1_000,
      retryMaxMs: opts.retryMaxMs ?? 300_000,
      retryCheckMs: opts.retryCheckMs ?? 5_000,
      handlerTimeoutMs: opts.handlerTimeoutMs ?? 10_000,
    };
    this.onParked =
      opts.onParked ??
      ((e) =>
        this.logger.error(
          { ...e },
          "event parked after its last attempt: see `npm run cli -- events failed`, retry with `events retry`",
        ));
  }

  /**
   * Hosts `consumer` in this process (started at once if the runner is). Returns a function that stops
   * hosting it and gives its lease back.
   */
  host<T extends EventType>(consumer: EventConsumer<T>): () => Promise<void> {
    if (this.loops.has(consumer.name)) throw new Error(`event consumer ${consumer.name} is hosted twice`);
    if (consumer.types.length === 0) throw new Error(`event consumer ${consumer.name} reads no event types`);
    const loop = new ConsumerLoop(
      consumer as unknown as EventConsumer,
      this.opts.sql,
      this.owner,
      this.t,
      this.logger,
      this.onParked,
      this.opts.counters,
      () => this.horizon(),
    );
    this.loops.set(consumer.name, loop);
    if (this.started)
      void loop.register().then(
        () => loop.start(),
        (err: unknown) => this.logger.error({ err, consumer: consumer.name }, "registering an event consumer failed"),
      );
    return async () => {
      if (this.loops.get(consumer.name) !== loop) return;
      this.loops.delete(consumer.name);
      await loop.stop();
    };
  }

  /** The snapshot horizon, read at most once per few milliseconds for all the consumers of this process. */
  private horizon(): Promise<bigint> {
    const now = performance.now();
    if (!this.probe || now - this.probe.at > 10) {
      const horizon = this.opts.sql
        .query<{ h: bigint }>(sql`SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS h`)
        .then((rows) => rows[0]!.h);
      horizon.catch(() => (this.probe = undefined));
      this.probe = { at: now, horizon };
    }
    return this.probe.horizon;
  }

  /** The names of the consumers hosted here. */
  hosted(): string[] {
    return [...this.loops.keys()];
  }

  /** Registers the hosted consumers (their rows) and starts working them. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await rebaseAfterRestore(this.opts.sql, this.logger);
    for (const loop of this.loops.values()) await loop.register();
    for (const loop of this.loops.values()) loop.start();
  }

  /** Wakes the hosted consumers of `type` (all of them without a type): call right after a commit that wrote events. */
  nudge(type?: string): void {
    for (const loop of this.loops.values())
      if (type === undefined || (loop.consumer.types as readonly string[]).includes(type)) loop.nudge();
  }

  /** One pass of one hosted consumer, without its loop (tests, tools). */
  runOnce(name: string): Promise<PassResult> {
    const loop = this.loops.get(name);
    if (!loop) throw new Error(`event consumer ${name} is not hosted here`);
    return loop.runOnce();
  }

  /** Stops every loop after the event in hand and gives the leases back. */
  async stop(): Promise<void> {
    this.started = false;
    await Promise.all([...this.loops.values()].map((l) => l.stop()));
  }
}
