import net from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createRawSql, type RawSql } from "../../app/pg-raw-sql.ts";
import { Prisma } from "../../prisma/generated/client.ts";
import type { PipeliningTx, Tx } from "../../core/shared/index.ts";
import { createTestDatabase, type TestDatabase } from "../support/databases.ts";

type Deferring = Tx & PipeliningTx;

describe("raw-SQL runner: pipelined statements and deferred writes", () => {
  let t: TestDatabase;
  let raw: RawSql;
  beforeAll(async () => {
    t = await createTestDatabase("rawsql", { poolSize: 2 });
    raw = createRawSql(t.url, 2);
    await raw.reader.$executeRaw`CREATE TABLE deferred_probe (n int PRIMARY KEY)`;
  });
  afterAll(async () => {
    await raw.close();
    await t.drop();
  });

  const count = async () =>
    Number((await raw.reader.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM deferred_probe`)[0]!.n);

  it("a deferred write with no statement after it is sent with COMMIT", async () => {
    await raw.transaction(async (tx) => {
      await tx.$executeRaw`INSERT INTO deferred_probe VALUES (1)`;
      (tx as Deferring).$executeRawDeferred(Prisma.sql`INSERT INTO deferred_probe VALUES (${2}::int)`);
    });
    expect(await count()).toBe(2);
  });

  it("a deferred write that fails surfaces from the next statement and rolls everything back", async () => {
    const before = await count();
    await expect(
      raw.transaction(async (tx) => {
        await tx.$executeRaw`INSERT INTO deferred_probe VALUES (10)`;
        (tx as Deferring).$executeRawDeferred(Prisma.sql`SELECT kameng_fail(${"probe_failed"})`);
        await tx.$executeRaw`INSERT INTO deferred_probe VALUES (11)`;
      }),
    ).rejects.toMatchObject({ code: "KM001", message: "probe_failed" });
    expect(await count()).toBe(before);
    // The connection went back to the pool usable.
    await raw.transaction((tx) => tx.$executeRaw`INSERT INTO deferred_probe VALUES (12)`);
    expect(await count()).toBe(before + 1);
  });

  it("a deferred write that fails at COMMIT rolls back too", async () => {
    const before = await count();
    await expect(
      raw.transaction(async (tx) => {
        await tx.$executeRaw`INSERT INTO deferred_probe VALUES (20)`;
        (tx as Deferring).$executeRawDeferred(Prisma.sql`INSERT INTO deferred_probe VALUES (${20}::int)`);
      }),
    ).rejects.toMatchObject({ code: "23505" });
    expect(await count()).toBe(before);
  });

  it("outside a transaction a deferred write is refused", () => {
    expect(() =>
      (raw.reader as Deferring).$executeRawDeferred(Prisma.sql`INSERT INTO deferred_probe VALUES (30)`),
    ).toThrow(/needs a transaction/);
  });

  it("statements issued without waiting go out in one write and answer in order", async () => {
    await raw.transaction((tx) => tx.$executeRaw`INSERT INTO deferred_probe VALUES (40)`); // a warm, prepared connection
    const writes = vi.spyOn(net.Socket.prototype as unknown as { _writeGeneric: () => void }, "_writeGeneric");
    try {
      const rows = await raw.transaction(async (tx) => {
        const a = tx.$queryRaw<{ n: number }[]>`INSERT INTO deferred_probe VALUES (${41}::int) RETURNING n`;
        const b = tx.$queryRaw<{ n: number }[]>`INSERT INTO deferred_probe VALUES (${42}::int) RETURNING n`;
        const c = tx.$queryRaw<{ total: bigint }[]>`SELECT count(*) AS total FROM deferred_probe WHERE n IN (41, 42)`;
        return [await a, await b, await c];
      });
      expect(rows).toEqual([[{ n: 41 }], [{ n: 42 }], [{ total: 2n }]]);
      // BEGIN and the three statements in one write; COMMIT in a second.
      expect(writes).toHaveBeenCalledTimes(2);
    } finally {
      writes.mockRestore();
    }
  });

  it("a failure in a statement nobody awaited is what the next awaited statement reports", async () => {
    const before = await count();
    await expect(
      raw.transaction(async (tx) => {
        void tx.$queryRaw`SELECT kameng_fail(${"first"}, ${"detail"})`;
        await tx.$executeRaw`INSERT INTO deferred_probe VALUES (${50}::int)`;
      }),
    ).rejects.toMatchObject({ code: "KM001", message: "first", detail: "detail" });
    expect(await count()).toBe(before);
  });

  it("after ROLLBACK TO SAVEPOINT a later failure is reported as itself", async () => {
    const before = await count();
    const err = await raw
      .transaction(async (tx) => {
        await tx.$executeRawUnsafe("SAVEPOINT probe");
        await expect(tx.$executeRaw`SELECT kameng_fail(${"handled"})`).rejects.toMatchObject({ message: "handled" });
        await tx.$executeRawUnsafe("ROLLBACK TO SAVEPOINT probe");
        await tx.$executeRaw`INSERT INTO deferred_probe VALUES (${60}::int)`;
        await tx.$executeRaw`INSERT INTO deferred_probe VALUES (${60}::int)`;
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "23505" });
    expect(await count()).toBe(before);
  });

  it("cancels a statement past the time limit; the pool stays usable", async () => {
    const limited = createRawSql(t.url, 1, { statementTimeoutMs: 200 });
    try {
      await expect(limited.transaction((tx) => tx.$queryRaw`SELECT pg_sleep(2)`)).rejects.toMatchObject({
        code: "57014",
      });
      expect(await limited.transaction((tx) => tx.$queryRaw<{ ok: number }[]>`SELECT 1 AS ok`)).toEqual([{ ok: 1 }]);
    } finally {
      await limited.close();
    }
  });
});
