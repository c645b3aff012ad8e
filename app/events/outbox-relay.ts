import { systemClock, type Clock } from "../../core/shared/clock.ts";
import { sql, type SqlExecutor, type SqlRunner } from "../../core/shared/sql.ts";
import type { EventBus, PublishedEvent } from "./event-bus.port.ts";

export interface RelayLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface OutboxRelayOptions {
  sql: SqlRunner;
  bus: EventBus;
  logger?: RelayLogger;
  clock?: Clock;
  /**
   * `row-locks` (PostgreSQL): events are dispatched while their rows are held `FOR UPDATE`, so relays
   * in several processes never dispatch the same event at once. `single-process` (PGlite): select,
   * commit, then dispatch — PGlite has one connection, and a subscriber that queried the database
   * while the relay's transaction held it would wait forever; only one process can open it anyway.
   */
  mode?: "row-locks" | "single-process";
  batchSize?: number;
  /** Dispatches per event before the relay stops retrying it (until this process restarts). */
  maxAttempts?: number;
  /** A failed event waits `retryBaseMs * 2^(failures-1)`, at most `retryMaxMs`, before its next try. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** A dispatch running longer counts as failed, so a hung subscriber cannot hold the rows forever. */
  dispatchTimeoutMs?: number;
  /** A batch stops dispatching after this long; the rest stay unpublished for the next batch. */
  batchBudgetMs?: number;
}

export interface FlushResult {
  published: number;
  failed: number;
}

interface OutboxRow {
  id: bigint;
  type: string;
  payload: Record<string, unknown>;
  created_at: Date;
}

interface Failure {
  attempts: number;
  retryAt: number;
}

/**
 * Publishes committed outbox events to the in-process bus, in id order, each once per successful
 * dispatch. Callers `notify()` right after committing (the hot path); `start()` runs a sweeper that
 * also recovers events left behind by a crash between commit and publish.
 *
 * Failures: an event whose dispatch failed stays unpublished and is retried with backoff; it never
 * blocks later events (it is skipped while it waits). After `maxAttempts` the relay logs it as an
 * error and stops trying in this process, leaving the row unpublished for an operator or the next
 * start — retry bookkeeping lives in memory because a poison event must not be lost by marking it
 * published, and the outbox table has no attempts column.
 */
export class OutboxRelay {
  private readonly sql: SqlRunner;
  private readonly bus: EventBus;
  private readonly logger: RelayLogger;
  private readonly clock: Clock;
  private readonly mode: "row-locks" | "single-process";
  private readonly batchSize: number;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly dispatchTimeoutMs: number;
  private readonly batchBudgetMs: number;
  private readonly failures = new Map<string, Failure>();
  private current?: Promise<FlushResult>;
  private next?: Promise<FlushResult>;
  private timer?: ReturnType<typeof setTimeout>;
  private sweeping = false;

  constructor(opts: OutboxRelayOptions) {
    this.sql = opts.sql;
    this.bus = opts.bus;
    this.logger = opts.logger ?? { warn() {}, error() {} };
    this.clock = opts.clock ?? systemClock;
    this.mode = opts.mode ?? "row-locks";
    this.batchSize = opts.batchSize ?? 100;
    this.maxAttempts = opts.maxAttempts ?? 10;
    this.retryBaseMs = opts.retryBaseMs ?? 1_000;
    this.retryMaxMs = opts.retryMaxMs ?? 60_000;
    this.dispatchTimeoutMs = opts.dispatchTimeoutMs ?? 10_000;
    this.batchBudgetMs = opts.batchBudgetMs ?? 20_000;
  }

  /**
   * Publishes every due event. Concurrent calls share one follow-up flush, so an event committed
   * before the call is covered by the promise it returns.
   */
  flush(): Promise<FlushResult> {
    if (!this.current) {
      this.current = this.drain().finally(() => (this.current = undefined));
      return this.current;
    }
    this.next ??= this.current
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        return this.flush();
      });
    return this.next;
  }

  /** Flushes soon without waiting; errors are logged. Call right after a commit that wrote events. */
  notify(): void {
    this.flush().catch((err) => this.logger.error({ err }, "outbox flush failed"));
  }

  /** Runs the sweeper: a flush every `intervalMs` (after the previous one finished). */
  start(opts: { intervalMs: number }): void {
    if (this.sweeping) return;
    this.sweeping = true;
    const loop = () => {
      if (!this.sweeping) return;
      this.flush()
        .catch((err) => this.logger.error({ err }, "outbox sweep failed"))
        .finally(() => {
          if (this.sweeping) this.timer = setTimeout(loop, opts.intervalMs).unref();
        });
    };
    loop();
  }

  /** Stops the sweeper and waits for a flush in progress. */
  async stop(): Promise<void> {
    this.sweeping = false;
    clearTimeout(this.timer);
    await Promise.allSettled([this.current, this.next]);
  }

  private async drain(): Promise<FlushResult> {
    const total: FlushResult = { published: 0, failed: 0 };
    for (;;) {
      const { claimed, published, failed } =
        this.mode === "row-locks" ? await this.lockedBatch() : await this.unlockedBatch();
      total.published += published;
      total.failed += failed;
      if (claimed < this.batchSize) return total;
    }
  }

  private lockedBatch() {
    // The runner's connections end a transaction left idle too long, so a hung batch cannot hold the rows.
    return this.sql.transaction(async (tx) => {
      const rows = await this.claim(tx, true);
      const { ok, failed } = await this.dispatchAll(rows);
      await this.markPublished(tx, ok);
      return { claimed: rows.length, published: ok.length, failed };
    });
  }

  private async unlockedBatch() {
    const rows = await this.claim(this.sql, false);
    const { ok, failed } = await this.dispatchAll(rows);
    await this.markPublished(this.sql, ok);
    return { claimed: rows.length, published: ok.length, failed };
  }

  private async claim(db: SqlExecutor, lock: boolean): Promise<OutboxRow[]> {
    const now = this.clock.now().getTime();
    const skip = [...this.failures].filter(([, f]) => f.retryAt > now).map(([id]) => id);
    return lock
      ? db.query<OutboxRow>(sql`
          SELECT id, type, payload, created_at FROM outbox_events
          WHERE published_at IS NULL AND id <> ALL(${skip}::bigint[])
          ORDER BY id LIMIT ${this.batchSize}::int FOR UPDATE SKIP LOCKED`)
      : db.query<OutboxRow>(sql`
          SELECT id, type, payload, created_at FROM outbox_events
          WHERE published_at IS NULL AND id <> ALL(${skip}::bigint[])
          ORDER BY id LIMIT ${this.batchSize}::int`);
  }

  private async dispatchAll(rows: OutboxRow[]): Promise<{ ok: string[]; failed: number }> {
    const ok: string[] = [];
    let failed = 0;
    const started = performance.now();
    const events: PublishedEvent[] = rows.map((row) => ({
      id: row.id.toString(),
      type: row.type,
      payload: row.payload,
      createdAt: row.created_at,
    }));
    // What the batch needs is read once (e.g. the users' chats); without it each event reads its own.
    await this.bus.prepare(events).catch((err: unknown) => this.logger.warn({ err }, "event batch preparation failed"));
    for (const event of events) {
      if (performance.now() - started > this.batchBudgetMs) break;
      try {
        await this.dispatch(event);
        this.failures.delete(event.id);
        ok.push(event.id);
      } catch (err) {
        failed += 1;
        this.recordFailure(event, err);
      }
    }
    return { ok, failed };
  }

  private async dispatch(event: PublishedEvent): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`dispatch of ${event.type} #${event.id} timed out after ${this.dispatchTimeoutMs} ms`)),
        this.dispatchTimeoutMs,
      );
    });
    try {
      await Promise.race([this.bus.publish(event), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private recordFailure(event: PublishedEvent, err: unknown): void {
    const attempts = (this.failures.get(event.id)?.attempts ?? 0) + 1;
    const ref = { eventId: event.id, type: event.type, attempts, err };
    if (attempts >= this.maxAttempts) {
      this.failures.set(event.id, { attempts, retryAt: Number.POSITIVE_INFINITY });
      this.logger.error(ref, "outbox event keeps failing; left unpublished and no longer retried by this process");
      return;
    }
    const delay = Math.min(this.retryBaseMs * 2 ** (attempts - 1), this.retryMaxMs);
    this.failures.set(event.id, { attempts, retryAt: this.clock.now().getTime() + delay });
    this.logger.warn({ ...ref, retryInMs: delay }, "outbox event dispatch failed; will retry");
  }

  private async markPublished(db: SqlExecutor, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await db.execute(
      sql`UPDATE outbox_events SET published_at = ${this.clock.now()}::timestamptz WHERE id = ANY(${ids}::bigint[])`,
    );
  }
}
