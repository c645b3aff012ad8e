import { Prisma } from "../../prisma/generated/client.ts";

/**
 * The hot-path data-access port (docs/data-access.md): statements written as SQL, run by a `SqlRunner`
 * — node-postgres in pipeline mode on PostgreSQL (app/db/pg-pipeline-runner.ts), the embedded PGlite
 * otherwise (app/db/pglite-runner.ts). Both pass one contract suite (test/contracts/sql-runner.contract.ts),
 * so the same statements behave the same in the embedded default and in production.
 *
 * Statements are built with the `sql` tag: values become bind parameters, never text. Cast each
 * parameter (`${id}::uuid`): the statement is prepared once and planned without the values.
 */
export type Sql = Prisma.Sql;
export const sql = Prisma.sql;
export const join = Prisma.join;
export const raw = Prisma.raw;
export const empty = Prisma.empty;

/**
 * Result values, the same from every runner: int8 → bigint, int8[] → bigint[], int2/int4 → number,
 * numeric → string, timestamptz → Date, json/jsonb → the parsed value, uuid/text → string, bool → boolean.
 */
export interface SqlExecutor {
  /** The statement's rows. */
  query<R>(statement: Sql): Promise<R[]>;
  /** The number of rows the statement wrote (or returned). */
  execute(statement: Sql): Promise<number>;
}

/**
 * One transaction on one connection. Statements run in the order they are issued, and issuing one does
 * not wait for the one before: a flow issues its statements back to back and awaits only the results it
 * reads, and a pipelining runner sends them in one round trip. The first statement that fails is the
 * failure every later statement of the transaction reports (until a savepoint it ran under is rolled
 * back), so a refusal raised in SQL (`kameng_fail`, see migrations) names itself wherever it is awaited.
 */
export interface SqlTx extends SqlExecutor {
  /**
   * Issues a write nobody reads: it does not wait, and it must raise to fail — its failure surfaces from
   * the next statement awaited, or from the commit, and the transaction rolls back. Never an unhandled
   * rejection.
   */
  send(statement: Sql): void;
  /**
   * The transaction's last statement, with COMMIT right behind it (one round trip on a pipelining
   * runner): resolves with its rows once committed; rejects with the transaction's first failure when it
   * rolled back (a deferred constraint failing at COMMIT included). Nothing may be issued after it.
   */
  queryAndCommit<R>(statement: Sql): Promise<R[]>;
  /**
   * Runs `fn` under a savepoint: when it throws, the transaction is rolled back to the savepoint (and
   * stays usable) and the error is rethrown. Costs no round trip of its own on a pipelining runner.
   */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
}

export interface SqlRunner extends SqlExecutor {
  readonly engine: "postgres" | "pglite";
  /** Runs `fn` in one transaction: committed when it returns (unless it committed itself), rolled back when it throws. */
  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
}

/**
 * The same statements in a Prisma transaction (an admin path that must write, say, an outbox event in the
 * transaction it already has). Prisma answers int8 as bigint too.
 */
export function prismaExecutor(tx: {
  $queryRaw<T = unknown>(query: Sql): Promise<T>;
  $executeRaw(query: Sql): Promise<number>;
}): SqlExecutor {
  return {
    query: <R>(s: Sql) => tx.$queryRaw<R[]>(s),
    execute: (s: Sql) => tx.$executeRaw(s),
  };
}

/** Options of a core call that can run inside its caller's transaction on the runner. */
export interface SqlTxOptions {
  tx?: SqlTx;
}

/** Runs `fn` in the caller's transaction when there is one, else in a new one on `runner`. */
export function inSqlTx<T>(
  runner: SqlRunner,
  opts: SqlTxOptions | undefined,
  fn: (tx: SqlTx) => Promise<T>,
): Promise<T> {
  return opts?.tx ? fn(opts.tx) : runner.transaction(fn);
}
