import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { consumerStatus, listFailures } from "../../../app/events/consumer-admin.ts";
import { OutboxConsumers, type OutboxConsumersOptions } from "../../../app/events/outbox-consumers.ts";
import { createPgPipelineRunner, type PgPipelineRunner } from "../../../app/db/pg-pipeline-runner.ts";
import { defineConsumer, type CommittedEvent } from "../../../core/events/index.ts";
import { toJson } from "../../../core/shared/outbox.ts";
import { sql } from "../../../core/shared/sql.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";
import {
  commit,
  drain,
  eventConsumersContract,
  paid,
  quietLogger,
  recorder,
  tagOf,
} from "../../contracts/event-consumers.contract.ts";
import { waitFor } from "../../contracts/job-queue.contract.ts";

eventConsumersContract("PostgreSQL, pipelined node-postgres", async () => {
  const t = await createTestDatabase("consumerscontract", { poolSize: 2 });
  const db = createPgPipelineRunner({ connectionString: t.url, max: 4 });
  return {
    db,
    async close() {
      await db.close();
      await t.drop();
    },
  };
});

describe("event consumers on PostgreSQL: several connections and processes", () => {
  let t: TestDatabase;
  /** Two processes' runners: their own pools on the same database. */
  let one: PgPipelineRunner;
  let two: PgPipelineRunner;
  const runners: OutboxConsumers[] = [];
  const runner = (db: PgPipelineRunner, opts: Partial<OutboxConsumersOptions> = {}) => {
    const r = new OutboxConsumers({ sql: db, logger: quietLogger(), pollMs: 20, standbyPollMs: 50, ...opts });
    runners.push(r);
    return r;
  };

  beforeAll(async () => {
    t = await createTestDatabase("consumers", { poolSize: 2 });
    one = createPgPipelineRunner({ connectionString: t.url, max: 6 });
    two = createPgPipelineRunner({ connectionString: t.url, max: 6 });
  });
  afterAll(async () => {
    for (const r of runners) await r.stop();
    await one.close();
    await two.close();
    await t.drop();
  });
  beforeEach(async () => {
    for (const r of runners.splice(0)) await r.stop();
  });

  it("a lower id committed after a higher one is not skipped: the cursor waits below the horizon", async () => {
    const r = runner(one);
    const { consumer, seen } = recorder(["order.paid"]);
    r.host(consumer);
    await drain(r, consumer.name);

    // Transaction A takes the lower id and stays open; B takes the next id and commits first.
    const a = new pg.Client({ connectionString: t.url });
    await a.connect();
    try {
      await a.query("BEGIN");
      const late = toJson(paid("late-lower-id").payload);
      const [{ id: lateId }] = (
        await a.query<{ id: string }>(
          "INSERT INTO outbox_events (type, payload) VALUES ('order.paid', $1::jsonb) RETURNING id::text",
          [JSON.stringify(late)],
        )
      ).rows as [{ id: string }];
      await commit(one, [paid("early-higher-id")]);
      const [{ id: earlyId }] = (await one.query<{ id: bigint }>(
        sql`SELECT max(id) AS id FROM outbox_events WHERE payload->>'reason' = 'early-higher-id'`,
      )) as [{ id: bigint }];
      expect(BigInt(lateId)).toBeLessThan(earlyId);

      // An id cursor (the old relay's) would hand out the committed higher id now and move past the open
      // lower one. Below the horizon nothing is settled yet: the consumer waits, and knows it waits.
      const pass = await r.runOnce(consumer.name);
      expect(pass).toMatchObject({ leased: true, handled: 0, unsettled: true });
      expect(seen).toEqual([]);
      expect((await consumerStatus(one)).find((s) => s.name === consumer.name)!.lag).toBe(1);

      await a.query("COMMIT");
    } finally {
      await a.end();
    }
    await drain(r, consumer.name);
    // Both, once, in commit-transaction order (A's transaction started writing first).
    expect(seen.map(tagOf)).toEqual(["late-lower-id", "early-higher-id"]);
    await drain(r, consumer.name);
    expect(seen).toHaveLength(2);
  });

  it("two processes hosting the same consumer: each event is handled once; when one stops, the other takes over", async () => {
    const name = `shared-${process.pid}`;
    const counts = new Map<string, number>();
    const byProcess = [0, 0];
    const consumerIn = (i: number) =>
      defineConsumer({
        name,
        types: ["order.paid"],
        startFrom: "now",
        async handle(e: CommittedEvent<"order.paid">) {
          counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
          byProcess[i]! += 1;
          await new Promise((res) => setImmediate(res));
        },
      });
    const a = runner(one, { batchSize: 20 });
    const b = runner(two, { batchSize: 20 });
    a.host(consumerIn(0));
    b.host(consumerIn(1));
    await Promise.all([a.start(), b.start()]);

    // 300 events from 30 concurrent transactions (ids and transaction ids interleave), each process nudged.
    await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        await commit(
          i % 2 ? one : two,
          Array.from({ length: 10 }, (_, j) => paid(`e${i}-${j}`)),
        );
        a.nudge("order.paid");
        b.nudge("order.paid");
      }),
    );
    await waitFor(() => counts.size === 300, 30_000, "300 events handled");
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(byProcess[0]! + byProcess[1]!).toBe(300);

    // The one holding the lease stops (gives it back); the other takes the consumer over.
    const holder = byProcess[0]! > 0 ? a : b;
    const before = [...byProcess];
    await holder.stop();
    await commit(
      one,
      Array.from({ length: 10 }, (_, j) => paid(`after-stop-${j}`)),
    );
    await waitFor(() => counts.size === 310, 30_000, "310 events handled");
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const other = holder === a ? 1 : 0;
    expect(byProcess[other]! - before[other]!).toBe(10);
  });

  it("a process that dies mid-batch: once its lease expires another takes over, repeats the unrecorded batch, and the dead one records nothing", async () => {
    const name = `takeover-${process.pid}`;
    let freeze!: () => void;
    const frozen = new Promise<void>((res) => (freeze = res));
    const inA: string[] = [];
    const inB: string[] = [];
    const consumerA = defineConsumer({
      name,
      types: ["order.paid"],
      startFrom: "now",
      async handle(e: CommittedEvent<"order.paid">) {
        inA.push(tagOf(e));
        if (tagOf(e) === "3") await frozen; // the process stops here: no cursor, no lease renewal
      },
    });
    const consumerB = defineConsumer({
      name,
      types: ["order.paid"],
      startFrom: "now",
      handle: (e: CommittedEvent<"order.paid">) => void inB.push(tagOf(e)),
    });
    const a = runner(one, { leaseMs: 600, handlerTimeoutMs: 60_000 });
    const b = runner(two, { leaseMs: 600 });
    a.host(consumerA);
    b.host(consumerB);
    await drain(a, name);
    await commit(
      one,
      ["1", "2", "3", "4", "5"].map((tag) => paid(tag)),
    );

    // A reads the batch (once it is below the horizon: another test file may hold an older transaction open).
    const dying = (async () => {
      for (;;) {
        const r = await a.runOnce(name);
        if (inA.length > 0) return r;
        await new Promise((res) => setTimeout(res, 10));
      }
    })();
    await waitFor(() => inA.length === 3, 30_000, "A in the middle of its batch");
    expect((await b.runOnce(name)).leased).toBe(false); // A's lease still holds
    const t0 = performance.now();
    await waitFor(async () => (await b.runOnce(name)).leased, 10_000, "B takes the lease over");
    expect(performance.now() - t0).toBeLessThan(5_000);
    await drain(b, name);
    // B repeats what A handled but never recorded (at least once), then goes on.
    expect(inB).toEqual(["1", "2", "3", "4", "5"]);

    // A wakes up: its lease is gone, so it records nothing (the cursor is B's).
    freeze();
    expect((await dying).leased).toBe(false);
    expect(inA).toEqual(["1", "2", "3"]);
    expect(await listFailures(one, { consumer: name })).toEqual([]);
    const s = (await consumerStatus(one)).find((x) => x.name === name)!;
    expect(s).toMatchObject({ lag: 0, leaseOwner: b.owner });
    await drain(b, name);
    expect(inB).toHaveLength(5);
  });
});
