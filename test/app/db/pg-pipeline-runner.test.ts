import net from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createPgPipelineRunner, type PgPipelineRunner } from "../../../app/db/pg-pipeline-runner.ts";
import { sql } from "../../../core/shared/sql.ts";
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
