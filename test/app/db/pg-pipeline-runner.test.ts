import net from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createPgPipelineRunner, type PgPipelineRunner } from "../../../app/db/pg-pipeline-runner.ts";
import { raw, sql } from "../../../core/shared/sql.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";

/** What only the PostgreSQL runner promises beyond the contract (test/contracts/sql-runner.contract.ts). */
describe("pipelined PostgreSQL runner", () => {
  let t: TestDatabase;
  let runner: PgPipelineRunner;
  beforeAll(async () => {
    t = await createTestDatabase("pgpipeline", { poolSize: 2 });
    runner = createPgPipelineRunner({ connectionString: t.url, max: 2 });
    await runner.execute(sql`CREATE TABLE pipeline_probe (n int PRIMARY KEY)`);
  });
  afterAll(async () => {
    await runner.close();
    await t.drop();
  });

  it("statements issued without waiting leave in one socket write; the last one and COMMIT in one more", async () => {
    await runner.transaction((tx) => tx.execute(sql`INSERT INTO pipeline_probe VALUES (${1}::int)`)); // warm and prepared
    const writes = vi.spyOn(net.Socket.prototype as unknown as { _writeGeneric: () => void }, "_writeGeneric");
    try {
      await runner.transaction(async (tx) => {
        const a = tx.query(sql`INSERT INTO pipeline_probe VALUES (${2}::int) RETURNING n`);
        const b = tx.query(sql`INSERT INTO pipeline_probe VALUES (${3}::int) RETURNING n`);
        await Promise.all([a, b]);
      });
      // BEGIN and both statements in one write; COMMIT in a second.
      expect(writes).toHaveBeenCalledTimes(2);
      writes.mockClear();
      await runner.transaction(async (tx) => {
        tx.send(sql`INSERT INTO pipeline_probe VALUES (${4}::int)`);
        await tx.queryAndCommit(sql`INSERT INTO pipeline_probe VALUES (${5}::int) RETURNING n`);
      });
      // BEGIN, the sent write, the last statement and COMMIT: one write, one round trip.
      expect(writes).toHaveBeenCalledTimes(1);
    } finally {
      writes.mockRestore();
    }
  });

  it("statements issued together outside a transaction share one connection and one socket write", async () => {
    const one = createPgPipelineRunner({ connectionString: t.url, max: 4 });
    try {
      const probe = (n: number) =>
        one.query<{ n: number; pid: number }>(sql`SELECT ${n}::int AS n, pg_backend_pid() AS pid`);
      await Promise.all([probe(0), one.execute(sql`INSERT INTO pipeline_probe VALUES (${-300}::int)`)]); // warm and prepared
      const writes = vi.spyOn(net.Socket.prototype as unknown as { _writeGeneric: () => void }, "_writeGeneric");
      try {
        const [a, b, c, inserted] = await Promise.all([
          probe(1),
          probe(2),
          probe(3),
          one.execute(sql`INSERT INTO pipeline_probe VALUES (${-301}::int)`),
        ]);
        expect([a[0]!.n, b[0]!.n, c[0]!.n, inserted]).toEqual([1, 2, 3, 1]);
        expect(new Set([a[0]!.pid, b[0]!.pid, c[0]!.pid]).size).toBe(1);
        expect(writes).toHaveBeenCalledTimes(1);
      } finally {
        writes.mockRestore();
      }
      // One statement of a batch failing fails only itself; the connection stays in the pool, usable.
      const [ok1, failed, ok2] = await Promise.allSettled([
        probe(4),
        one.query(sql`SELECT kameng_fail(${"batch_probe"}::text)`),
        probe(5),
      ]);
      expect(ok1).toMatchObject({ status: "fulfilled", value: [{ n: 4 }] });
      expect(failed).toMatchObject({ status: "rejected", reason: { code: "KM001", message: "batch_probe" } });
      expect(ok2).toMatchObject({ status: "fulfilled", value: [{ n: 5 }] });
      expect(await probe(6)).toMatchObject([{ n: 6 }]);
    } finally {
      await one.close();
    }
  });

  it("a statement that waits for a lock holds up no read issued with it, nor the transaction that holds the lock", async () => {
    const one = createPgPipelineRunner({ connectionString: t.url, max: 3 });
    try {
      await one.execute(sql`INSERT INTO pipeline_probe VALUES (${-400}::int)`);
      let waited = false;
      await one.transaction(async (tx) => {
        await tx.execute(sql`UPDATE pipeline_probe SET n = n WHERE n = ${-400}::int`); // holds the row lock
        // Issued together: two reads and a write that waits for this transaction's lock.
        const blocked = one.execute(sql`UPDATE pipeline_probe SET n = ${-401}::int WHERE n = ${-400}::int`);
        void blocked.then(
          () => (waited = true),
          () => {},
        );
        const [r1, r2] = await Promise.all([
          one.query(sql`SELECT count(*)::int AS k FROM pipeline_probe WHERE n = ${-400}::int`),
          one.query(sql`SELECT ${7}::int AS n`),
        ]);
        expect([r1, r2]).toEqual([[{ k: 1 }], [{ n: 7 }]]);
        // The transaction itself reads outside it while the write waits: answered, no deadlock.
        expect(await one.query(sql`SELECT ${8}::int AS n`)).toEqual([{ n: 8 }]);
        expect(waited).toBe(false);
      });
      // Committed: the waiting write goes on.
      await vi.waitFor(() => expect(waited).toBe(true));
      expect(await one.query(sql`SELECT n FROM pipeline_probe WHERE n IN (${-400}::int, ${-401}::int)`)).toEqual([
        { n: -401 },
      ]);
    } finally {
      await one.close();
    }
  });

  it("names statements by their fragments: the same text from other compositions is one statement, other texts are others", async () => {
    const col = (name: string) => sql`${name}::text AS ${raw(name)}`;
    // Built from nested fragments and written flat: the same text, so the same prepared statement.
    const nested = (n: number) => sql`SELECT ${n}::int AS n, ${col("a")}, ${col("b")}`;
    const flat = (n: number) => sql`SELECT ${n}::int AS n, ${"a"}::text AS a, ${"b"}::text AS b`;
    expect(nested(1).text).toBe(flat(1).text);
    // Sharing leading fragments and values, differing only in a later fragment: other statements.
    const tail = (k: string) => sql`SELECT ${1}::int AS n, ${raw(`'${k}'`)} AS k`;
    for (let round = 0; round < 3; round++) {
      expect(await runner.query(nested(round))).toEqual([{ n: round, a: "a", b: "b" }]);
      expect(await runner.query(flat(round + 10))).toEqual([{ n: round + 10, a: "a", b: "b" }]);
      expect(await runner.query(tail("x"))).toEqual([{ n: 1, k: "x" }]);
      expect(await runner.query(tail("y"))).toEqual([{ n: 1, k: "y" }]);
    }
    const prepared = await runner.query<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE ${"SELECT $1::int AS n, %"}::text`,
    );
    // On this connection (the pool may have used two): never more than the three texts.
    expect(prepared[0]!.n).toBeLessThanOrEqual(3);
    expect(prepared[0]!.n).toBeGreaterThan(0);
  });

  it("a transaction that failed mid-pipeline hands its connection back usable", async () => {
    const one = createPgPipelineRunner({ connectionString: t.url, max: 1 });
    try {
      for (let i = 0; i < 3; i++)
        await expect(
          one.transaction(async (tx) => {
            tx.send(sql`SELECT kameng_fail(${"probe_failed"}::text)`);
            await tx.execute(sql`INSERT INTO pipeline_probe VALUES (${100 + i}::int)`);
          }),
        ).rejects.toMatchObject({ code: "KM001", message: "probe_failed" });
      // The one connection, after three rolled-back transactions: clean, and nothing of them committed.
      await one.transaction((tx) => tx.execute(sql`INSERT INTO pipeline_probe VALUES (${200}::int)`));
      expect(await one.query(sql`SELECT n FROM pipeline_probe WHERE n >= ${100}::int ORDER BY n`)).toEqual([
        { n: 200 },
      ]);
    } finally {
      await one.close();
    }
  });

  it("cancels a statement past the time limit; the pool stays usable", async () => {
    const limited = createPgPipelineRunner({ connectionString: t.url, max: 1, statementTimeoutMs: 200 });
    try {
      await expect(limited.transaction((tx) => tx.query(sql`SELECT pg_sleep(2)`))).rejects.toMatchObject({
        code: "57014",
      });
      expect(await limited.transaction((tx) => tx.query(sql`SELECT 1 AS ok`))).toEqual([{ ok: 1 }]);
    } finally {
      await limited.close();
    }
  });
});
