import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMigrations, migrate, type Migration } from "../../../app/db/migrator.ts";
import { connectPostgres, type SqlConnection } from "../../../app/db/sql-connection.ts";
import { createLedger } from "../../../core/ledger/index.ts";
import { ManualClock } from "../../../core/shared/index.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";
import { ctx, custody, escrow } from "./ledger-helpers.ts";

const SUMMED = "20261124163000_ledger_summed_system_accounts";
const W = "0193a0b0-0000-7000-8000-0000000000a1";
const E = "0193a0b0-0000-7000-8000-0000000000a2";
const C = "0193a0b0-0000-7000-8000-0000000000a3";
const wallet = `wallet:0193a0b0-0000-7000-8000-0000000000f1:CNY`;

let tdb: TestDatabase;
let conn: SqlConnection;
let all: Migration[];

beforeAll(async () => {
  tdb = await createTestDatabase("ledgermig", { migrated: false, poolSize: 2 });
  conn = await connectPostgres(tdb.url);
  all = await loadMigrations();
});
afterAll(async () => {
  await conn?.close();
  await tdb?.drop();
});

/** Books as the cached-everything ledger left them: top-up 100, order paid 60 (escrow cached at 60). */
const BOOKS = `INSERT INTO ledger_accounts (id, code, kind, currency, balance, allow_negative) VALUES
    ('${W}', '${wallet}', 'WALLET', 'CNY', 40, false),
    ('${E}', '${escrow}', 'ESCROW', 'CNY', %ESCROW%, false),
    ('${C}', '${custody}', 'CUSTODY', 'CNY', -100, true);
  BEGIN;
  INSERT INTO ledger_transactions (id, idempotency_key, request_hash, kind) VALUES
    ('0193a0b0-0000-7000-8000-0000000000b1', 'k1', 'h', 'topup'),
    ('0193a0b0-0000-7000-8000-0000000000b2', 'k2', 'h', 'order_payment');
  INSERT INTO ledger_entries (transaction_id, account_id, currency, amount) VALUES
    ('0193a0b0-0000-7000-8000-0000000000b1', '${C}', 'CNY', -100),
    ('0193a0b0-0000-7000-8000-0000000000b1', '${W}', 'CNY', 100),
    ('0193a0b0-0000-7000-8000-0000000000b2', '${W}', 'CNY', -60),
    ('0193a0b0-0000-7000-8000-0000000000b2', '${E}', 'CNY', 60);
  COMMIT;`;

describe(`migration ${SUMMED}`, () => {
  it("refuses to drop cached system balances that disagree with their entries", async () => {
    const before = all.filter((m) => m.name < SUMMED);
    await migrate(conn, before);
    await conn.exec(BOOKS.replace("%ESCROW%", "61"));
    await expect(
      migrate(
        conn,
        all.filter((m) => m.name <= SUMMED),
      ),
    ).rejects.toThrow(/cached balances differ/);
  });

  it("turns system accounts into summed ones, keeping every balance", async () => {
    // A fresh database: the failed attempt above is recorded as unresolved by design.
    const fresh = await createTestDatabase("ledgermig2", { migrated: false, poolSize: 2 });
    const c = await connectPostgres(fresh.url);
    try {
      await migrate(
        c,
        all.filter((m) => m.name < SUMMED),
      );
      await c.exec(BOOKS.replace("%ESCROW%", "60"));
      await migrate(c, all);
      const rows = await c.query<{ code: string; balance: string; mode: string }>(
        `SELECT code, balance::text AS balance, balance_mode AS mode FROM ledger_accounts ORDER BY code`,
      );
      expect(rows).toEqual([
        { code: custody, balance: "0", mode: "SUMMED" },
        { code: escrow, balance: "0", mode: "SUMMED" },
        { code: wallet, balance: "40", mode: "CACHED" },
      ]);
      const ledger = createLedger({ sql: fresh.db.sql, clock: new ManualClock() });
      expect((await ledger.balance(ctx, escrow)).balance).toBe(60n);
      expect((await ledger.balance(ctx, custody)).balance).toBe(-100n);
      expect(await ledger.check(ctx)).toMatchObject({ ok: true, negative: [] });
      expect(await ledger.reconcile(ctx, "CNY")).toEqual({ ok: true, custody: -100n, customerFunds: 100n });
    } finally {
      await c.close();
      await fresh.drop();
    }
  });
});
