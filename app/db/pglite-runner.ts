import type { PGlite, Transaction } from "@electric-sql/pglite";
import type { Sql, SqlRunner, SqlTx } from "../../core/shared/sql.ts";

/**
 * The SqlRunner on the embedded PGlite (the default with no configuration): the same statements as on
 * PostgreSQL, one after another on PGlite's single connection. A transaction holds PGlite's transaction
 * lock from BEGIN to its end, so nothing else (Prisma's client shares the instance) runs inside it.
 * Statements issued without waiting are chained in issue order with the pipelining runner's rules: the
 * first failure is what every later statement reports, until a savepoint it ran under is rolled back.
 */

const INT8 = 20;
const INT8_ARRAY = 1016;

/** `{1,NULL,3}` (int8 elements are never quoted). */
const parseInt8Array = (v: string): Array<bigint | null> =>
  v === "{}"
    ? []
    : v
        .slice(1, -1)
        .split(",")
        .map((x) => (x === "NULL" ? null : BigInt(x)));

/** int8 as bigint, as node-postgres is configured and as Prisma answers (PGlite's default is a number). */
const options = { parsers: { [INT8]: (v: string) => BigInt(v), [INT8_ARRAY]: parseInt8Array } };

const noop = () => {};

class TxState {
  private last: Promise<unknown> = Promise.resolve();
  private failure: { error: unknown } | undefined;
  finished = false;
  savepoints = 0;
  constructor(readonly tx: Transaction) {}

  /** Runs `step` after everything issued before it; after a failure, fails with the first one. */
  issue<T>(step: () => Promise<T>, opts: { clearsFailure?: boolean } = {}): Promise<T> {
    if (this.finished) throw new Error("SQL transaction: a statement after COMMIT");
    const run = async () => {
      if (this.failure && !opts.clearsFailure) throw this.failure.error;
      try {
        const result = await step();
        if (opts.clearsFailure) this.failure = undefined;
        return result;
      } catch (e) {
        this.failure ??= { error: e };
        throw this.failure.error;
      }
    };
    const p = this.last.then(run, run);
    p.catch(noop);
    this.last = p;
    return p;
  }

  /** Waits for everything issued; throws the first failure, if any. */
  async settled(): Promise<void> {
    await this.last.catch(noop);
    if (this.failure) throw this.failure.error;
  }
}

function chainedTx(state: TxState): SqlTx {
  const query = <R>(s: Sql) => state.issue(async () => (await state.tx.query<R>(s.text, s.values, options)).rows);
  const execute = (s: Sql) =>
    state.issue(async () => {
      const r = await state.tx.query(s.text, s.values, options);
      return r.affectedRows ?? r.rows.length;
    });
  return {
    query,
    execute,
    send(s) {
      void execute(s);
    },
    async queryAndCommit<R>(s: Sql) {
      const rows = query<R>(s);
      const committed = state.issue(async () => {
        const [res] = await state.tx.exec("COMMIT");
        // COMMIT of an aborted transaction answers ROLLBACK without an error of its own.
        if (res?.command === "ROLLBACK") throw new Error("SQL transaction: rolled back at COMMIT");
      });
      state.finished = true;
      committed.catch(noop);
      const result = await rows;
      await committed;
      return result;
    },
    async savepoint<T>(fn: () => Promise<T>) {
      const name = `kameng_sp${++state.savepoints}`;
      void state.issue(() => state.tx.exec(`SAVEPOINT ${name}`));
      try {
        return await fn();
      } catch (e) {
        await state.issue(() => state.tx.exec(`ROLLBACK TO SAVEPOINT ${name}`), { clearsFailure: true });
        throw e;
      }
    },
  };
}

export function createPgliteRunner(lite: PGlite): SqlRunner {
  return {
    engine: "pglite",
    query: async <R>(s: Sql) => (await lite.query<R>(s.text, s.values, options)).rows,
    execute: async (s: Sql) => {
      const r = await lite.query(s.text, s.values, options);
      return r.affectedRows ?? r.rows.length;
    },
    transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
      return lite.transaction(async (tx) => {
        const state = new TxState(tx);
        const result = await fn(chainedTx(state));
        // Statements issued and never awaited (`send`): their failure fails the transaction.
        await state.settled();
        return result;
      });
    },
  };
}
