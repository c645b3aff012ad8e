import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { PublishedEvent } from "../../../app/events/event-bus.port.ts";
import { InProcessEventBus } from "../../../app/events/in-process-event-bus.ts";
import { OutboxRelay } from "../../../app/events/outbox-relay.ts";
import { createPgPipelineRunner } from "../../../app/db/pg-pipeline-runner.ts";
import type { SqlRunner } from "../../../core/shared/sql.ts";
import { ManualClock } from "../../../core/shared/clock.ts";
import { recordEvents, type DomainEvent } from "../../../core/shared/outbox.ts";
import { createPgliteDatabase, createTestDatabase, type TestDatabase } from "../../support/databases.ts";
import { waitFor } from "../../contracts/job-queue.contract.ts";

let testDb: TestDatabase;
const prisma = () => testDb.db.prisma;
const runner = () => testDb.db.sql;

beforeAll(async () => {
  testDb = await createTestDatabase("outboxrelay");
});
afterAll(async () => {
  await testDb.drop();
});
beforeEach(async () => {
  await prisma().$executeRaw`DELETE FROM outbox_events`;
});

const events = (n: number, type = "order.paid"): DomainEvent[] =>
  Array.from({ length: n }, (_, i) => ({ type, payload: { orderId: `o-${i}`, userId: "u" } }));

async function commit(evts: DomainEvent[], db = runner()) {
  await db.transaction((tx) => recordEvents(tx, evts));
}

async function unpublished(): Promise<string[]> {
  const rows = await prisma().outboxEvent.findMany({ where: { publishedAt: null }, orderBy: { id: "asc" } });
  return rows.map((r) => (r.payload as { orderId: string }).orderId);
}

const quiet = () => ({ warn: vi.fn(), error: vi.fn() });

describe("OutboxRelay on PostgreSQL", () => {
  it("publishes committed events once, in id order, and never those of a rolled-back transaction", async () => {
    const bus = new InProcessEventBus();
    const got: PublishedEvent[] = [];
    bus.subscribe("*", (e) => void got.push(e));
    const relay = new OutboxRelay({ sql: runner(), bus });

    await commit([{ type: "order.created", payload: { orderId: "a", userId: "u" } }]);
    await expect(
      runner().transaction(async (tx) => {
        await recordEvents(tx, [{ type: "order.paid", payload: { orderId: "rolled-back", userId: "u" } }]);
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    await commit([{ type: "order.paid", payload: { orderId: "b", userId: "u", amount: 5n } }]);

    expect(await relay.flush()).toEqual({ published: 2, failed: 0 });
    expect(got.map((e) => [e.type, e.payload.orderId])).toEqual([
      ["order.created", "a"],
      ["order.paid", "b"],
    ]);
    expect(BigInt(got[1]!.id)).toBeGreaterThan(BigInt(got[0]!.id));
    expect(got[1]!.payload.amount).toBe("5");
    expect(got[0]!.createdAt).toBeInstanceOf(Date);
    expect(await unpublished()).toEqual([]);
    expect(await relay.flush()).toEqual({ published: 0, failed: 0 });
    expect(got).toHaveLength(2);
  });

  it("two relays in two processes flushing at once dispatch every event exactly once", async () => {
    // The other process's relay on a runner (a pool) of its own, as the container wires it on PostgreSQL.
    const other = createPgPipelineRunner({ connectionString: testDb.url, max: 4 });
    try {
      await commit(events(300));
      const seen = new Map<string, number>();
      const perRelay = [0, 0];
      const makeRelay = (sql: SqlRunner, i: number) => {
        const bus = new InProcessEventBus();
        bus.subscribe("order.paid", async (e) => {
          seen.set(e.id, (seen.get(e.id) ?? 0) + 1);
          perRelay[i]! += 1;
          await new Promise((r) => setImmediate(r));
        });
        return new OutboxRelay({ sql, bus, batchSize: 20 });
      };
      const a = makeRelay(runner(), 0);
      const b = makeRelay(other, 1);
      const results = await Promise.all([a.flush(), b.flush(), a.flush(), b.flush()]);
      expect(seen.size).toBe(300);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      expect(perRelay[0]! + perRelay[1]!).toBe(300);
      expect(perRelay[0]).toBeGreaterThan(0);
      expect(perRelay[1]).toBeGreaterThan(0);
      expect(results.reduce((s, r) => s + r.published, 0)).toBe(300);
      expect(await unpublished()).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it("leaves an event whose subscriber failed unpublished, retries it, and does not hold up later events", async () => {
    const bus = new InProcessEventBus();
    const calls: string[] = [];
    let failOnce = true;
    bus.subscribe("order.paid", (e) => {
      calls.push(e.payload.orderId as string);
      if (e.payload.orderId === "o-0" && failOnce) {
        failOnce = false;
        throw new Error("chat down");
      }
    });
    const logger = quiet();
    const relay = new OutboxRelay({ sql: runner(), bus, logger, retryBaseMs: 0 });
    await commit(events(3));

    expect(await relay.flush()).toEqual({ published: 2, failed: 1 });
    expect(await unpublished()).toEqual(["o-0"]);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ type: "order.paid", attempts: 1 }),
      expect.stringMatching(/will retry/),
    );
    expect(await relay.flush()).toEqual({ published: 1, failed: 0 });
    expect(await unpublished()).toEqual([]);
    expect(calls).toEqual(["o-0", "o-1", "o-2", "o-0"]);
  });

  it("waits out the retry backoff before dispatching a failed event again", async () => {
    const clock = new ManualClock();
    const bus = new InProcessEventBus();
    let calls = 0;
    bus.subscribe("order.paid", () => {
      if (++calls === 1) throw new Error("down");
    });
    const relay = new OutboxRelay({ sql: runner(), bus, clock, logger: quiet(), retryBaseMs: 1_000 });
    await commit(events(1));
    expect(await relay.flush()).toEqual({ published: 0, failed: 1 });
    expect(await relay.flush()).toEqual({ published: 0, failed: 0 });
    clock.advance(999);
    expect(await relay.flush()).toEqual({ published: 0, failed: 0 });
    clock.advance(1);
    expect(await relay.flush()).toEqual({ published: 1, failed: 0 });
    expect(calls).toBe(2);
  });

  it("gives up on a poison event after maxAttempts (logged, left unpublished); a hung subscriber times out", async () => {
    const bus = new InProcessEventBus();
    const calls = new Map<string, number>();
    bus.subscribe("order.paid", async (e) => {
      const id = e.payload.orderId as string;
      calls.set(id, (calls.get(id) ?? 0) + 1);
      if (id === "o-0") throw new Error("poison");
      if (id === "o-1" && calls.get(id) === 1) await new Promise((r) => setTimeout(r, 500));
    });
    const logger = quiet();
    const relay = new OutboxRelay({
      sql: runner(),
      bus,
      logger,
      retryBaseMs: 0,
      maxAttempts: 2,
      dispatchTimeoutMs: 50,
    });
    await commit(events(3));
    await relay.flush();
    await relay.flush();
    await relay.flush();
    expect(calls.get("o-0")).toBe(2);
    expect(calls.get("o-1")).toBe(2);
    expect(calls.get("o-2")).toBe(1);
    expect(await unpublished()).toEqual(["o-0"]);
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error).toHaveBeenCalledWith(
      expect.objectContaining({ type: "order.paid", attempts: 2 }),
      expect.stringMatching(/no longer retried/),
    );
  });

  it("notify() publishes without waiting for the sweeper, and the sweeper picks up what nobody notified", async () => {
    const bus = new InProcessEventBus();
    const got: string[] = [];
    bus.subscribe("*", (e) => void got.push(e.payload.orderId as string));
    const relay = new OutboxRelay({ sql: runner(), bus });
    await commit(events(2));
    relay.notify();
    relay.notify();
    await waitFor(() => got.length === 2, 10_000, "notified events");

    relay.start({ intervalMs: 50 });
    await commit([{ type: "stock.restocked", payload: { productId: "p" } }]);
    await waitFor(() => got.length === 3, 10_000, "swept event");
    await relay.stop();
    expect(got).toEqual(["o-0", "o-1", undefined]);
    expect(await unpublished()).toEqual([]);
  });

  it("prepares each batch once, before its events go out; a failing preparer holds nothing up", async () => {
    const bus = new InProcessEventBus();
    const log: string[] = [];
    bus.subscribe("*", (e) => void log.push(`event ${e.payload.orderId as string}`));
    bus.onBatch((batch) => void log.push(`batch ${batch.map((e) => e.payload.orderId as string).join(",")}`));
    const logger = quiet();
    const relay = new OutboxRelay({ sql: runner(), bus, logger });
    await commit(events(3));
    await relay.flush();
    expect(log).toEqual(["batch o-0,o-1,o-2", "event o-0", "event o-1", "event o-2"]);

    const off = bus.onBatch(() => Promise.reject(new Error("preparer down")));
    await commit(events(1));
    await relay.flush();
    off();
    expect(log.at(-1)).toBe("event o-0");
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ err: expect.anything() }), expect.any(String));
    expect(await unpublished()).toEqual([]);
  });
});

describe("OutboxRelay on PGlite (single-process mode)", () => {
  it("publishes while subscribers use the database's one connection", async () => {
    const db = await createPgliteDatabase();
    try {
      const bus = new InProcessEventBus();
      const counts: number[] = [];
      bus.subscribe("order.paid", async () => void counts.push(await db.prisma.outboxEvent.count()));
      const relay = new OutboxRelay({ sql: db.sql, bus, mode: "single-process" });
      await commit(events(2), db.sql);
      expect(await relay.flush()).toEqual({ published: 2, failed: 0 });
      expect(counts).toEqual([2, 2]);
      expect(await db.prisma.outboxEvent.count({ where: { publishedAt: null } })).toBe(0);
    } finally {
      await db.close();
    }
  });
});
