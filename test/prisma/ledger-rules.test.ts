import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/databases.ts";

// The ledger's own database rules, written to directly (no application code in between): what the
// database refuses whatever the writer.
describe("ledger database rules", () => {
  let t: TestDatabase;
  let c: pg.Client;
  const A = "0193a0b0-0000-7000-8000-0000000000a1";
  const B = "0193a0b0-0000-7000-8000-0000000000a2";
  const U = "0193a0b0-0000-7000-8000-0000000000a3"; // a USD account
  let n = 0;
  const tx = () => `0193a0b0-0000-7000-8000-${String(++n).padStart(12, "0")}`;
  const posting = (id: string) =>
    `INSERT INTO ledger_transactions (id, idempotency_key, request_hash, kind) VALUES ('${id}', 'k-${id}', 'h', 'test')`;
  const entry = (id: string, account: string, amount: number, currency = "CNY") =>
    `INSERT INTO ledger_entries (transaction_id, account_id, currency, amount) VALUES ('${id}', '${account}', '${currency}', ${amount})`;

  beforeAll(async () => {
    t = await createTestDatabase("ledgerrules", { poolSize: 1 });
    c = new pg.Client({ connectionString: t.url });
    await c.connect();
    await c.query(`INSERT INTO ledger_accounts (id, code, kind, currency, allow_negative) VALUES
      ('${A}', 'a', 'WALLET', 'CNY', true), ('${B}', 'b', 'WALLET', 'CNY', true), ('${U}', 'u', 'WALLET', 'USD', true)`);
  });
  afterAll(async () => {
    await c.end();
    await t.drop();
  });
  const entries = async () => Number((await c.query("SELECT count(*) AS n FROM ledger_entries")).rows[0].n);
  /** The script (one ledger transaction, `id`) is refused with `error` and leaves no entry behind. */
  const refused = async (script: (id: string) => string, error: RegExp) => {
    const before = await entries();
    await expect(c.query(script(tx())).finally(() => c.query("ROLLBACK").catch(() => {}))).rejects.toThrow(error);
    expect(await entries()).toBe(before);
  };

  it("commits a transaction whose entries, staged over several statements, balance at commit", async () => {
    const id = tx();
    await c.query(`BEGIN; ${posting(id)}; ${entry(id, A, 5)}; ${entry(id, B, -3)}; ${entry(id, B, -2)}; COMMIT`);
    expect(await entries()).toBe(3);
  });

  it("refuses at commit a transaction that does not balance", async () => {
    await refused(
      (id) => `BEGIN; ${posting(id)}; ${entry(id, A, 5)}; ${entry(id, B, -4)}; COMMIT`,
      /does not balance \(CNY:1\)/,
    );
  });

  it("checks an entry added after the transaction was already checked (SET CONSTRAINTS … IMMEDIATE)", async () => {
    await refused(
      (id) => `BEGIN; ${posting(id)};
        INSERT INTO ledger_entries (transaction_id, account_id, currency, amount)
          VALUES ('${id}', '${A}', 'CNY', 5), ('${id}', '${B}', 'CNY', -5);
        SET CONSTRAINTS ALL IMMEDIATE;
        ${entry(id, A, 7)};
        COMMIT`,
      /does not balance \(CNY:7\)/,
    );
  });

  it("refuses an entry in another currency than its account's, in a many-row insert too", async () => {
    await refused(
      (id) => `BEGIN; ${posting(id)};
        INSERT INTO ledger_entries (transaction_id, account_id, currency, amount)
          VALUES ('${id}', '${A}', 'CNY', 5), ('${id}', '${U}', 'CNY', -5);
        COMMIT`,
      new RegExp(`entry currency CNY does not match account ${U}`),
    );
  });
});
