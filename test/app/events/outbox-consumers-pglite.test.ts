import { PGlite } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import { createPgliteRunner } from "../../../app/db/pglite-runner.ts";
import { migrate } from "../../../app/db/migrator.ts";
import { pgliteConnection } from "../../../app/db/sql-connection.ts";
import { OutboxConsumers } from "../../../app/events/outbox-consumers.ts";
import type { Sql, SqlRunner } from "../../../core/shared/sql.ts";
import {
  commit,
  eventConsumersContract,
  paid,
  quietLogger,
  recorder,
  tagOf,
} from "../../contracts/event-consumers.contract.ts";
import { waitFor } from "../../contracts/job-queue.contract.ts";

// The embedded default: one connection, so every transaction has ended by the time a consumer reads.
eventConsumersContract("embedded PGlite", async () => {
  const lite = await PGlite.create();
  await migrate(pgliteConnection(lite));
  return { db: createPgliteRunner(lite), close: () => lite.close() };
});

describe("event consumers on the embedded database, idle", () => {
  it("an idle process costs one horizon probe per poll for all its consumers, and still finds a commit nobody nudged", async () => {
    const lite = await PGlite.create();
    await migrate(pgliteConnection(lite));
    const inner = createPgliteRunner(lite);
    const texts: string[] = [];
    const counting: SqlRunner = {
      engine: inner.engine,
      query: <R>(s: Sql) => (texts.push(s.text), inner.query<R>(s)),
      execute: (s: Sql) => (texts.push(s.text), inner.execute(s)),
      transaction: (fn) => inner.transaction(fn),
    };
    const runner = new OutboxConsumers({ sql: counting, logger: quietLogger(), pollMs: 20 });
    const consumers = [recorder(["order.paid"]), recorder(["order.paid"]), recorder(["stock.restocked"])];
    for (const c of consumers) runner.host(c.consumer);
    try {
      await runner.start();
      await new Promise((r) => setTimeout(r, 300)); // first passes, lease taken
      texts.length = 0;
      await new Promise((r) => setTimeout(r, 1_000));
      const reads = texts.filter((t) => t.includes("LEFT JOIN LATERAL")).length;
      const probes = texts.filter((t) => /^SELECT pg_snapshot_xmin/.test(t)).length;
      expect(reads).toBe(0);
      expect(probes).toBeGreaterThan(5);
      expect(probes).toBeLessThan(60); // ≈ one per 20 ms poll, not one per consumer
      await commit(inner, [paid("unnudged")]);
      await waitFor(() => consumers[0]!.seen.length === 1 && consumers[1]!.seen.length === 1, 5_000, "found");
      expect(consumers[0]!.seen.map(tagOf)).toEqual(["unnudged"]);
    } finally {
      await runner.stop();
      await lite.close();
    }
  });
});
