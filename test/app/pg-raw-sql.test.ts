import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRawSql, type RawSql } from "../../app/pg-raw-sql.ts";
import { Prisma } from "../../prisma/generated/client.ts";
import type { Tx } from "../../core/shared/index.ts";
import { createTestDatabase, type TestDatabase } from "../support/databases.ts";

type Deferring = Tx & { $executeRawDeferred(sql: Prisma.Sql): void };

describe("raw-SQL runner: deferred writes", () => {
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
});
