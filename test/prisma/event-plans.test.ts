import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consumerStatus, listFailures } from "../../app/events/consumer-admin.ts";
import { OutboxConsumers } from "../../app/events/outbox-consumers.ts";
import { defineConsumer } from "../../core/events/index.ts";
import type { Sql, SqlRunner } from "../../core/shared/sql.ts";
import { createTestDatabase, type TestDatabase } from "../support/databases.ts";

/**
 * The event consumers' statements run as prepared statements with generic plans (the pipelined runner
 * forces them): on an ANALYZEd outbox of production size, each must reach `outbox_events` through an
 * index condition — a consumer's poll must not read the outbox from the start.
 */
const EVENTS = 80_000;
const TYPES = ["order.delivered", "order.paid", "order.fulfilling", "stock.restocked"];

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Index Cond"?: string;
  Plans?: PlanNode[];
}
function* nodes(n: PlanNode): Generator<PlanNode> {
  yield n;
  for (const c of n.Plans ?? []) yield* nodes(c);
}
const unbounded = (plan: PlanNode) =>
  [...nodes(plan)]
    .filter(
      (n) =>
        n["Relation Name"] === "outbox_events" &&
        ["Seq Scan", "Index Scan", "Index Only Scan"].includes(n["Node Type"]) &&
        !n["Index Cond"],
    )
    .map((n) => `${n["Node Type"]}${n["Index Name"] ? ` using ${n["Index Name"]}` : ""}`);

/** A runner that records each statement and answers what the consumer needs to go on. */
function recording(): { runner: SqlRunner; statements: Sql[] } {
  const statements: Sql[] = [];
  const answer = (s: Sql): unknown[] => {
    statements.push(s);
    if (/^\s*UPDATE event_consumers\s+SET lease_owner/.test(s.text))
      return [{ cursor_tx_id: 5_000n, cursor_id: 70_000n, previous_owner: null }];
    if (s.text.includes("LEFT JOIN LATERAL")) return [{ horizon: 9_000n, unsettled: false, id: null }];
    return [];
  };
  const runner: SqlRunner = {
    engine: "postgres",
    query: async <R>(s: Sql) => answer(s) as R[],
    execute: async (s: Sql) => (answer(s), 0),
    transaction: async (fn) =>
      fn({
        query: async <R>(s: Sql) => answer(s) as R[],
        execute: async (s: Sql) => (answer(s), 0),
        send: (s: Sql) => void answer(s),
        queryAndCommit: async <R>(s: Sql) => answer(s) as R[],
        savepoint: (f) => f(),
      }),
  };
  return { runner, statements };
}

describe("event consumer statements on an ANALYZEd outbox (generic plans)", () => {
  let t: TestDatabase;
  let client: pg.Client;
  let seq = 0;

  beforeAll(async () => {
    t = await createTestDatabase("eventplans", { poolSize: 2 });
    client = new pg.Client({ connectionString: t.url });
    await client.connect();
    // Events written by many transactions over time (tx_id rising with id, a little out of order).
    await client.query(`
      INSERT INTO outbox_events (type, payload, tx_id)
        SELECT (ARRAY['${TYPES.join("','")}'])[1 + g % ${TYPES.length}], '{}'::jsonb, 100 + g / 3 + (g * 7919) % 5
        FROM generate_series(1, ${EVENTS}) g;
      INSERT INTO event_failures (consumer, event_id, attempts, next_attempt_at, last_error)
        SELECT 'shop-notifier', g * 97, 1, now(), 'x' FROM generate_series(1, 300) g;
      ANALYZE;`);
    await client.query("SET plan_cache_mode = force_generic_plan");
  }, 120_000);
  afterAll(async () => {
    await client?.end();
    await t?.drop();
  });

  async function explain(s: Sql): Promise<PlanNode> {
    const name = `e${++seq}`;
    await client.query(`PREPARE ${name} AS ${s.text}`);
    try {
      const args = s.values.length
        ? `(${s.values
            .map((v) =>
              v === null
                ? "NULL"
                : Array.isArray(v)
                  ? client.escapeLiteral(`{${v.map((x) => `"${String(x)}"`).join(",")}}`)
                  : client.escapeLiteral(String(v)),
            )
            .join(", ")})`
        : "";
      const res = await client.query<{ "QUERY PLAN": Array<{ Plan: PlanNode }> }>(
        `EXPLAIN (FORMAT JSON) EXECUTE ${name}${args}`,
      );
      return res.rows[0]!["QUERY PLAN"][0]!.Plan;
    } finally {
      await client.query(`DEALLOCATE ${name}`);
    }
  }

  it("a consumer's pass (lease, due retries, batch) and the status and failure reads use the (tx_id, id) index or the failures' key", async () => {
    const { runner, statements } = recording();
    const consumers = new OutboxConsumers({ sql: runner, retryCheckMs: 0 });
    consumers.host(
      defineConsumer({
        name: "shop-notifier",
        types: ["order.delivered", "stock.restocked"],
        startFrom: "now",
        handle() {},
      }),
    );
    await consumers.runOnce("shop-notifier");
    await consumerStatus(runner);
    await listFailures(runner, { consumer: "shop-notifier" });
    const reads = statements.filter((s) => /outbox_events/.test(s.text));
    expect(reads.length).toBeGreaterThanOrEqual(3);
    for (const s of reads) expect(unbounded(await explain(s)), s.text).toEqual([]);
  });
});
