import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { consumerStatus, listFailures, retryFailures } from "../../app/events/consumer-admin.ts";
import {
  OutboxConsumers,
  rebaseAfterRestore,
  type OutboxConsumersOptions,
  type ParkedEvent,
} from "../../app/events/outbox-consumers.ts";
import {
  defineConsumer,
  InvalidEventPayload,
  type CommittedEvent,
  type EventConsumer,
  type EventType,
  type NewEvent,
} from "../../core/events/index.ts";
import { recordEvents } from "../../core/events/index.ts";
import { sql, type SqlRunner } from "../../core/shared/sql.ts";
import { waitFor } from "./job-queue.contract.ts";

/**
 * One contract for the event consumers (app/events/outbox-consumers.ts) on every database the service
 * runs on: the embedded default (PGlite) and PostgreSQL. What needs several connections (late commits,
 * several processes, lease takeover) is in test/app/events/outbox-consumers.test.ts.
 */

export const USER = "0190a0b0-0000-7000-8000-000000000001";
export const PRODUCT = "0190a0b0-0000-7000-8000-000000000002";

/** A valid `order.paid` for a fresh order; `tag` lands in `reason` so tests can tell events apart. */
type Of<T extends EventType> = Extract<NewEvent, { type: T }>;

export function paid(tag: string): Of<"order.paid"> {
  return {
    type: "order.paid",
    payload: {
      orderId: randomUUID(),
      userId: USER,
      status: "PAID",
      from: "CREATED",
      productId: PRODUCT,
      total: 1000n,
      currency: "CNY",
      channel: "telegram",
      reason: tag,
    },
  };
}

export function restocked(available: number): Of<"stock.restocked"> {
  return { type: "stock.restocked", payload: { productId: PRODUCT, available, batchId: randomUUID() } };
}

export const tagOf = (e: CommittedEvent) => ("reason" in e.payload ? (e.payload.reason ?? "") : "");

/**
 * Waits until every event in the outbox is below the snapshot horizon (on a shared test server another
 * test file's transaction may hold the horizon back for a while).
 */
export async function settled(db: SqlRunner) {
  await waitFor(
    async () =>
      (
        await db.query<{
          ok: boolean;
        }>(sql`SELECT COALESCE(max(tx_id), 0) < pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS ok
          FROM outbox_events`)
      )[0]!.ok,
    30_000,
    "the outbox below the horizon",
  );
}

/** Commits `events` in one transaction of the runner. */
export const commit = (db: SqlRunner, events: NewEvent[]) => db.transaction((tx) => recordEvents(tx, events));

export const quietLogger = () => ({ info: vi.fn(), warn: vi.fn(), error: vi.fn() });

let seq = 0;
/** A consumer recording what it handled, with a unique name per test. */
export function recorder<T extends EventType>(
  types: T[],
  opts: { startFrom?: "beginning" | "now"; fail?: (e: CommittedEvent<T>) => boolean; maxAttempts?: number } = {},
) {
  const seen: Array<CommittedEvent<T>> = [];
  const batches: string[][] = [];
  const consumer: EventConsumer<T> = defineConsumer({
    name: `test-consumer-${process.pid}-${++seq}`,
    types,
    startFrom: opts.startFrom ?? "now",
    ...(opts.maxAttempts ? { maxAttempts: opts.maxAttempts } : {}),
    prepare: (events) => void batches.push(events.map((e) => e.id)),
    handle(e) {
      if (opts.fail?.(e)) throw new Error(`refusing ${e.type} #${e.id}`);
      seen.push(e);
    },
  });
  return { consumer, seen, batches };
}

/**
 * Passes of one consumer until a pass finds nothing more to do. (An event committed above the horizon
 * waits for older transactions — on the shared test server, possibly another test file's.)
 */
export async function drain(runner: OutboxConsumers, name: string, timeoutMs = 20_000) {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    const r = await runner.runOnce(name);
    if (!r.leased) throw new Error(`${name}: this runner does not hold the lease`);
    if (!r.more && !r.unsettled) return;
    if (r.unsettled) await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error(`${name} did not drain`);
}

export function eventConsumersContract(name: string, open: () => Promise<{ db: SqlRunner; close(): Promise<void> }>) {
  describe(`event consumers contract: ${name}`, () => {
    let db: SqlRunner;
    let close: () => Promise<void>;
    const runners: OutboxConsumers[] = [];
    const runner = (opts: Partial<OutboxConsumersOptions> = {}) => {
      const r = new OutboxConsumers({
        sql: db,
        logger: quietLogger(),
        pollMs: 20,
        retryBaseMs: 30,
        retryCheckMs: 0,
        ...opts,
      });
      runners.push(r);
      return r;
    };

    beforeAll(async () => {
      ({ db, close } = await open());
    });
    afterAll(async () => {
      for (const r of runners) await r.stop();
      await close();
    });
    beforeEach(async () => {
      for (const r of runners.splice(0)) await r.stop();
    });

    it("hands each committed event of its types to a consumer once, in commit order, typed; never a rolled-back one", async () => {
      const r = runner();
      const { consumer, seen } = recorder(["order.paid", "stock.restocked"]);
      r.host(consumer);
      await drain(r, consumer.name); // registered "from now": nothing before this

      await commit(db, [paid("a"), restocked(3)]);
      await expect(
        db.transaction(async (tx) => {
          await recordEvents(tx, [paid("rolled-back")]);
          throw new Error("abort");
        }),
      ).rejects.toThrow("abort");
      await commit(db, [paid("b")]);
      await commit(db, [{ type: "order.delivered", payload: { ...paid("other-type").payload, status: "DELIVERED" } }]);

      await drain(r, consumer.name);
      expect(seen.map((e) => (e.type === "order.paid" ? tagOf(e) : e.type))).toEqual(["a", "stock.restocked", "b"]);
      const [a, restock] = seen;
      // Typed and parsed: money is bigint again, ids are decimal strings, createdAt a Date.
      expect(a!.type === "order.paid" && a!.payload.total).toBe(1000n);
      expect(restock!.type === "stock.restocked" && restock!.payload.available).toBe(3);
      expect(BigInt(seen[2]!.id)).toBeGreaterThan(BigInt(a!.id));
      expect(a!.createdAt).toBeInstanceOf(Date);

      await drain(r, consumer.name);
      expect(seen).toHaveLength(3);
    });

    it("a consumer new from now skips earlier events; one from the beginning reads them all", async () => {
      await commit(db, [paid("before")]);
      // "Now" is the horizon: an event committed before but not yet below it still counts as after.
      await settled(db);
      const r = runner();
      const now = recorder(["order.paid"], { startFrom: "now" });
      const all = recorder(["order.paid"], { startFrom: "beginning" });
      r.host(now.consumer);
      r.host(all.consumer);
      await drain(r, now.consumer.name);
      await commit(db, [paid("after")]);
      await drain(r, now.consumer.name);
      await drain(r, all.consumer.name);
      expect(now.seen.map(tagOf)).toEqual(["after"]);
      expect(all.seen.map(tagOf)).toContain("before");
      expect(all.seen.map(tagOf).at(-1)).toBe("after");
    });

    it("prepares each batch once, before its events; a failing preparer holds nothing up", async () => {
      const r = runner({ batchSize: 2 });
      const log: string[] = [];
      let failPrepare = false;
      const consumer = defineConsumer({
        name: `prep-${randomUUID()}`,
        types: ["order.paid"],
        startFrom: "now",
        prepare(events) {
          if (failPrepare) throw new Error("preparer down");
          log.push(`batch ${events.map(tagOf).join(",")}`);
        },
        handle: (e) => void log.push(`event ${tagOf(e)}`),
      });
      r.host(consumer);
      await drain(r, consumer.name);
      await commit(db, [paid("1"), paid("2"), paid("3")]);
      await drain(r, consumer.name);
      expect(log).toEqual(["batch 1,2", "event 1", "event 2", "batch 3", "event 3"]);
      failPrepare = true;
      await commit(db, [paid("4")]);
      await drain(r, consumer.name);
      expect(log.at(-1)).toBe("event 4");
    });

    it("with concurrency, events of one key stay in order while other keys overlap (never more than the limit)", async () => {
      const r = runner();
      let active = 0;
      let most = 0;
      const order = new Map<string, string[]>();
      const consumer = defineConsumer({
        name: `concurrent-${randomUUID()}`,
        types: ["order.paid"],
        startFrom: "now",
        concurrency: 4,
        key: (e) => (e.payload.reason ?? "").split("-")[0]!,
        async handle(e) {
          active++;
          most = Math.max(most, active);
          const [key, n] = (e.payload.reason ?? "").split("-");
          await new Promise((res) => setTimeout(res, n === "0" ? 40 : 5)); // a slow first event per key
          order.set(key!, [...(order.get(key!) ?? []), n!]);
          active--;
        },
      });
      r.host(consumer);
      await drain(r, consumer.name);
      const keys = ["a", "b", "c", "d", "e", "f"];
      await commit(
        db,
        [0, 1, 2].flatMap((n) => keys.map((k) => paid(`${k}-${n}`))),
      );
      await drain(r, consumer.name);
      expect(Object.fromEntries(order)).toEqual(Object.fromEntries(keys.map((k) => [k, ["0", "1", "2"]])));
      expect(most).toBeGreaterThan(1);
      expect(most).toBeLessThanOrEqual(4);
    });

    it("a failing consumer does not hold up another; its event is retried with backoff, then parked (alert) — visible, and retried on request", async () => {
      const parkedEvents: ParkedEvent[] = [];
      const r = runner({ retryBaseMs: 1_000, onParked: (e) => void parkedEvents.push(e) });
      let healthy = false;
      const failing = recorder(["order.paid"], { fail: (e) => !healthy && tagOf(e) === "poison", maxAttempts: 3 });
      const other = recorder(["order.paid"]);
      r.host(failing.consumer);
      r.host(other.consumer);
      await drain(r, failing.consumer.name);
      await drain(r, other.consumer.name);

      await commit(db, [paid("poison"), paid("fine")]);
      await drain(r, failing.consumer.name);
      await drain(r, other.consumer.name);
      // The failure did not stop the cursor: the next event went through, and the other consumer got both.
      expect(failing.seen.map(tagOf)).toEqual(["fine"]);
      expect(other.seen.map(tagOf)).toEqual(["poison", "fine"]);
      let [f] = await listFailures(db, { consumer: failing.consumer.name });
      expect(f).toMatchObject({ type: "order.paid", attempts: 1, parkedAt: null });
      expect(f!.lastError).toMatch(/refusing order.paid/);

      // Not before its backoff…
      await r.runOnce(failing.consumer.name);
      expect((await listFailures(db, { consumer: failing.consumer.name }))[0]!.attempts).toBe(1);
      // …then again, and parked after the third attempt, with the alert hook called once.
      await waitFor(
        async () => {
          await r.runOnce(failing.consumer.name);
          return (await listFailures(db, { consumer: failing.consumer.name }))[0]?.parkedAt != null;
        },
        10_000,
        "parked",
      );
      [f] = await listFailures(db, { consumer: failing.consumer.name, parkedOnly: true });
      expect(f!.attempts).toBe(3);
      expect(parkedEvents).toEqual([
        expect.objectContaining({
          consumer: failing.consumer.name,
          eventId: f!.eventId,
          type: "order.paid",
          attempts: 3,
        }),
      ]);
      const status = (await consumerStatus(db)).find((s) => s.name === failing.consumer.name)!;
      expect(status).toMatchObject({ parked: 1, failing: 0, lag: 0, leaseActive: true });
      // Parked stays parked (no more attempts)…
      await r.runOnce(failing.consumer.name);
      expect(failing.seen.map(tagOf)).toEqual(["fine"]);

      // …until an operator retries it, after fixing the cause.
      healthy = true;
      expect(await retryFailures(db, { consumer: failing.consumer.name, allParked: true })).toBe(1);
      await r.runOnce(failing.consumer.name);
      expect(failing.seen.map(tagOf)).toEqual(["fine", "poison"]);
      expect(await listFailures(db, { consumer: failing.consumer.name })).toEqual([]);
      expect(other.seen).toHaveLength(2);
    });

    it("the catalog refuses a bad payload at write; a bad row already in the outbox is parked at once, not retried", async () => {
      const bad = { type: "order.paid", payload: { orderId: "not-a-uuid", userId: USER } } as unknown as NewEvent;
      await expect(commit(db, [paid("ok"), bad])).rejects.toBeInstanceOf(InvalidEventPayload);
      const unknownType = { type: "order.teleported", payload: {} } as unknown as NewEvent;
      await expect(commit(db, [unknownType])).rejects.toThrow(/not an event type/);
      await expect(
        commit(db, [{ type: "stock.restocked", payload: { productId: PRODUCT, available: -1, batchId: USER } }]),
      ).rejects.toThrow(/available/);

      const parkedEvents: ParkedEvent[] = [];
      const r = runner({ onParked: (e) => void parkedEvents.push(e) });
      const { consumer, seen } = recorder(["order.paid"]);
      r.host(consumer);
      await drain(r, consumer.name);
      // Written around the catalog (an older version, a hand-made row): the consumer cannot parse it.
      await db.execute(sql`INSERT INTO outbox_events (type, payload) VALUES ('order.paid', '{"orderId": 1}'::jsonb)`);
      await commit(db, [paid("after")]);
      await drain(r, consumer.name);
      expect(seen.map(tagOf)).toEqual(["after"]);
      expect(parkedEvents).toHaveLength(1);
      expect(parkedEvents[0]!.error).toMatch(/invalid order.paid payload/);
      const [f] = await listFailures(db, { consumer: consumer.name });
      expect(f!.parkedAt).not.toBeNull();
    });

    it("an event waits for a consumer no process hosts, and reaches it once one does", async () => {
      const first = runner();
      const { consumer, seen } = recorder(["order.paid"]);
      first.host(consumer);
      await drain(first, consumer.name);
      await first.stop();
      await commit(db, [paid("while-away-1")]);
      await commit(db, [paid("while-away-2")]);
      const away = (await consumerStatus(db)).find((s) => s.name === consumer.name)!;
      expect(away).toMatchObject({ lag: 2, leaseActive: false });
      expect(away.oldestPendingAt).toBeInstanceOf(Date);

      const next = runner();
      next.host(consumer);
      await drain(next, consumer.name);
      expect(seen.map(tagOf)).toEqual(["while-away-1", "while-away-2"]);
      expect((await consumerStatus(db)).find((s) => s.name === consumer.name)).toMatchObject({ lag: 0 });
    });

    it("a database restored into a cluster whose transaction ids are behind: cursors are rebased, nothing new is skipped", async () => {
      const r = runner();
      const { consumer, seen } = recorder(["order.paid"]);
      r.host(consumer);
      await commit(db, [paid("old-handled")]);
      await drain(r, consumer.name);
      const before = seen.length;
      await r.stop();
      await commit(db, [paid("old-unhandled")]);
      // As if these rows and cursors came from a cluster whose counter was far ahead of this one's.
      const AHEAD = 1_000_000_000_000n;
      await db.execute(sql`UPDATE outbox_events SET tx_id = tx_id + ${AHEAD}::bigint WHERE tx_id > 0`);
      await db.execute(
        sql`UPDATE event_consumers SET cursor_tx_id = cursor_tx_id + ${AHEAD}::bigint WHERE cursor_tx_id > 0`,
      );
      await commit(db, [paid("new-cluster")]); // written before any consumer started here

      const logger = quietLogger();
      const next = runner({ logger });
      next.host(consumer);
      await next.start(); // detects and repairs
      expect(logger.error).toHaveBeenCalledWith(expect.anything(), expect.stringMatching(/rebased/));
      await waitFor(() => seen.length >= before + 2, 30_000, "events after the restore");
      await commit(db, [paid("later")]);
      next.nudge("order.paid");
      await waitFor(() => seen.map(tagOf).includes("later"), 30_000, "a later event");
      expect(seen.slice(before).map(tagOf)).toEqual(["old-unhandled", "new-cluster", "later"]);
      expect(await rebaseAfterRestore(db)).toBe(0); // repaired once
    });

    it("started: a local commit is handled when nudged (not waiting for the poll); a commit nobody nudged is found by the poll", async () => {
      const r = runner({ pollMs: 60_000 }); // only a nudge can bring the event within the test
      const { consumer, seen } = recorder(["order.paid"]);
      r.host(consumer);
      await r.start();
      await waitFor(async () => (await consumerStatus(db)).some((s) => s.name === consumer.name && s.leaseActive));
      await commit(db, [paid("nudged")]);
      r.nudge("stock.restocked"); // not one of its types: no effect
      r.nudge("order.paid");
      // (Within ms on a quiet server; the margin is for another test file's long transaction holding the
      // cluster-wide horizon back, which delays every consumer until it ends.)
      await waitFor(() => seen.length === 1, 30_000, "nudged event");
      await r.stop();

      const polling = runner({ pollMs: 30 });
      const other = recorder(["order.paid"]);
      polling.host(other.consumer);
      await polling.start();
      await waitFor(async () =>
        (await consumerStatus(db)).some((s) => s.name === other.consumer.name && s.leaseActive),
      );
      await commit(db, [paid("polled")]);
      await waitFor(() => other.seen.length === 1, 30_000, "polled event");
      expect(other.seen.map(tagOf)).toEqual(["polled"]);
      await polling.stop();
      // Stopping gives the lease back.
      expect((await consumerStatus(db)).find((s) => s.name === other.consumer.name)!.leaseActive).toBe(false);
    });
  });
}
