import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../../app/db/database.ts";
import { loadMigrations, migrate, MigrationError, type Migration } from "../../../app/db/migrator.ts";
import { connectPostgres, pgliteConnection } from "../../../app/db/sql-connection.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function emptyPostgres(label: string): Promise<TestDatabase> {
  const t = await createTestDatabase(label, { migrated: false, poolSize: 2 });
  cleanups.push(() => t.drop());
  return t;
}

describe("migrator on PostgreSQL", () => {
  it("migrates a fresh database from zero, and a second run applies nothing", async () => {
    const all = await loadMigrations();
    const t = await emptyPostgres("mig-fresh");
    const conn = await connectPostgres(t.url);
    try {
      const first = await migrate(conn);
      expect(first.applied).toEqual(all.map((m) => m.name));
      const second = await migrate(conn);
      expect(second).toEqual({ applied: [], alreadyApplied: all.length });
      // Prisma's bookkeeping: `prisma migrate status` reads these rows and compares checksums.
      const rows = await conn.query<{
        migration_name: string;
        checksum: string;
        finished_at: Date;
        applied_steps_count: number;
      }>(
        `SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
      );
      expect(rows.map((r) => r.migration_name)).toEqual(all.map((m) => m.name));
      for (const [i, r] of rows.entries()) {
        expect(r.checksum).toBe(createHash("sha256").update(all[i]!.sql).digest("hex"));
        expect(r.finished_at).toBeInstanceOf(Date);
        expect(r.applied_steps_count).toBe(1);
      }
    } finally {
      await conn.close();
    }
  });

  it("applies each migration once when several processes start at the same time", async () => {
    const all = await loadMigrations();
    const t = await emptyPostgres("mig-race");
    const conns = await Promise.all(Array.from({ length: 6 }, () => connectPostgres(t.url)));
    try {
      const results = await Promise.all(conns.map((c) => migrate(c)));
      const appliedNames = results.flatMap((r) => r.applied);
      expect(appliedNames.sort()).toEqual(all.map((m) => m.name).sort());
      const [{ n }] = (await conns[0]!.query<{ n: number }>(`SELECT count(*)::int AS n FROM "_prisma_migrations"`)) as [
        { n: number },
      ];
      expect(n).toBe(all.length);
    } finally {
      await Promise.all(conns.map((c) => c.close()));
    }
  });

  it("rolls a failing migration back whole and refuses an edited one", async () => {
    const t = await emptyPostgres("mig-fail");
    const conn = await connectPostgres(t.url);
    try {
      const bad: Migration[] = [
        { name: "20990101000000_ok", sql: "CREATE TABLE a (id int);", checksum: "c1" },
        { name: "20990101000001_bad", sql: "CREATE TABLE b (id int); SELECT * FROM no_such_table;", checksum: "c2" },
      ];
      await expect(migrate(conn, bad)).rejects.toThrow(/20990101000001_bad failed/);
      const tables = await conn.query<{ t: string }>(
        `SELECT table_name AS t FROM information_schema.tables WHERE table_schema='public' AND table_name IN ('a','b')`,
      );
      expect(tables.map((r) => r.t)).toEqual(["a"]);
      const edited = [{ ...bad[0]!, checksum: "changed" }];
      await expect(migrate(conn, edited)).rejects.toBeInstanceOf(MigrationError);
      await expect(migrate(conn, edited)).rejects.toThrow(/edited after it was applied/);
    } finally {
      await conn.close();
    }
  });
});

describe("migrator on embedded PGlite", () => {
  it("migrates a fresh data folder from zero; after a restart nothing is applied and data is kept", async () => {
    const all = await loadMigrations();
    const dir = await mkdtemp(path.join(tmpdir(), "kameng-pglite-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));

    const first = await openDatabase({ dataDir: dir });
    const c1 = await first.connect();
    expect((await migrate(c1)).applied).toEqual(all.map((m) => m.name));
    await first.prisma.user.create({ data: { id: "0193a0b0-0000-7000-8000-000000000001", displayName: "kept" } });
    await first.close();

    const second = await openDatabase({ dataDir: dir });
    const c2 = await second.connect();
    expect(await migrate(c2)).toEqual({ applied: [], alreadyApplied: all.length });
    expect(await second.prisma.user.count()).toBe(1);
    await second.close();
  });

  it("enforces the same database rules as PostgreSQL (append-only ledger)", async () => {
    const lite = await PGlite.create();
    const conn = pgliteConnection(lite);
    await migrate(conn);
    await expect(conn.exec(`DELETE FROM ledger_entries`)).resolves.toBeUndefined(); // no rows: nothing to refuse
    await conn.exec(`INSERT INTO ledger_accounts (id, code, kind, currency, allow_negative) VALUES
      ('0193a0b0-0000-7000-8000-0000000000a1', 'a', 'WALLET', 'CNY', true), ('0193a0b0-0000-7000-8000-0000000000a2', 'b', 'WALLET', 'CNY', true);
      BEGIN;
      INSERT INTO ledger_transactions (id, idempotency_key, request_hash, kind) VALUES ('0193a0b0-0000-7000-8000-0000000000b1', 'k', 'h', 'test');
      INSERT INTO ledger_entries (transaction_id, account_id, currency, amount) VALUES
        ('0193a0b0-0000-7000-8000-0000000000b1', '0193a0b0-0000-7000-8000-0000000000a1', 'CNY', 5),
        ('0193a0b0-0000-7000-8000-0000000000b1', '0193a0b0-0000-7000-8000-0000000000a2', 'CNY', -5);
      COMMIT;`);
    await expect(conn.exec(`UPDATE ledger_entries SET amount = 6`)).rejects.toThrow(/append-only/);
    await expect(conn.exec(`DELETE FROM ledger_transactions`)).rejects.toThrow(/append-only/);
    await expect(
      conn.exec(`BEGIN;
        INSERT INTO ledger_transactions (id, idempotency_key, request_hash, kind) VALUES ('0193a0b0-0000-7000-8000-0000000000b2', 'k2', 'h', 'test');
        INSERT INTO ledger_entries (transaction_id, account_id, currency, amount) VALUES ('0193a0b0-0000-7000-8000-0000000000b2', '0193a0b0-0000-7000-8000-0000000000a1', 'CNY', 5);
        COMMIT;`),
    ).rejects.toThrow(/does not balance/);
    await conn.exec("ROLLBACK").catch(() => {});
    await lite.close();
  });
});
