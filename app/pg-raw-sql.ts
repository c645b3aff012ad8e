import { createHash } from "node:crypto";
import pg from "pg";
import { Prisma } from "../prisma/generated/client.ts";
import type { Db, Tx } from "../core/shared/index.ts";

/**
 * The order hot path, on node-postgres directly. Prisma's client costs ~0.7 ms of CPU per statement
 * here (0.97 ms vs 0.30 ms for a trivial SELECT), and an order is ~20 statements, so placing and
 * delivering run their transactions through this instead. It implements only the raw-SQL part of
 * Prisma's TransactionClient (`$queryRaw`, `$executeRaw` and their `Unsafe` forms, with Prisma's
 * result types: int8 → bigint), which is all the order, ledger and inventory hot paths use; a model
 * call (`tx.product.findMany`) on it throws at once, so a module that starts using one fails loudly in
 * the tests instead of silently running outside the transaction.
 */
export interface RawSql {
  /** Runs `fn` in one transaction on one pooled connection. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Non-transactional raw reads (each statement on any pooled connection). */
  reader: Tx;
  /**
   * A `Db` for modules that only use raw SQL and `$transaction(fn)` (identity, conversations, update
   * dedupe): the same statements on this pool, without Prisma's per-statement cost. Model calls throw.
   */
  db: Db;
  close(): Promise<void>;
}

const INT8 = 20;
const INT8_ARRAY = 1016;
const parseInt8Array = pg.types.getTypeParser(INT8_ARRAY as never);

const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8) return (v: string) => BigInt(v);
    if (oid === INT8_ARRAY)
      return (v: string) => (parseInt8Array(v) as Array<string | null>).map((x) => (x === null ? null : BigInt(x)));
    return pg.types.getTypeParser(oid, format as "text");
  },
};

type Queryable = Pick<pg.PoolClient, "query">;

function toQuery(args: unknown[]): { text: string; values: unknown[] } {
  const [first, ...rest] = args;
  if (first instanceof Prisma.Sql) return { text: first.text, values: first.values };
  if (Array.isArray(first) && "raw" in (first as object)) {
    const sql = Prisma.sql(first as unknown as TemplateStringsArray, ...(rest as Prisma.Sql[]));
    return { text: sql.text, values: sql.values };
  }
  if (typeof first === "string") return { text: first, values: rest };
  throw new Error("raw SQL: unsupported query form");
}

const prepare = (v: unknown) => (v instanceof Uint8Array && !(v instanceof Buffer) ? Buffer.from(v) : v);

const names = new Map<string, string>();
/**
 * Hot-path statements are a small fixed set: naming them makes each connection parse and plan a
 * statement once and then only bind and execute it (an unnamed statement is planned on every call).
 */
function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `k${createHash("sha1").update(text).digest("hex").slice(0, 16)}`;
    if (names.size < 10_000) names.set(text, name);
  }
  return name;
}

const named = (c: Queryable, text: string, values: unknown[]) =>
  c.query({ name: statementName(text), text, values: values.map(prepare) }) as Promise<pg.QueryResult>;

/**
 * One transaction on one pipelined connection. Statements are sent as they are issued, without
 * waiting for the ones before (node-postgres pipeline mode); those issued in the same tick leave in
 * one socket write (the stream is corked until the tick ends). So a flow that issues its statements
 * and awaits only the last pays one round trip for all of them.
 */
interface TxState {
  client: pg.PoolClient;
  stream: { cork(): void; uncork(): void };
  corked: boolean;
  begun: boolean;
  /** COMMIT was issued: nothing may follow. */
  finished: boolean;
  /** The server ended the transaction (COMMIT answered, or it rolled back); no ROLLBACK is needed. */
  closed: boolean;
  /** Every statement issued, in order: the first that failed explains the "transaction is aborted" of the rest. */
  issued: Promise<pg.QueryResult>[];
  /** Failures before this index were handled (a ROLLBACK TO SAVEPOINT followed them). */
  handledUpTo: number;
}

const noop = () => {};
const SAVEPOINT = /^\s*SAVEPOINT \w+\s*$/i;
const RELEASE = /^\s*RELEASE SAVEPOINT \w+\s*$/i;
const ROLLBACK_TO = /^\s*ROLLBACK TO SAVEPOINT \w+\s*$/i;

/** Sends a statement now (after those already issued); its index in `issued`. */
function issue(state: TxState, text: string, values: unknown[]): number {
  if (state.finished) throw new Error("raw SQL transaction: a statement after COMMIT");
  if (!state.corked) {
    state.corked = true;
    state.stream.cork();
    process.nextTick(() => {
      state.corked = false;
      state.stream.uncork();
    });
  }
  const push = (p: Promise<pg.QueryResult>) => {
    // Nobody may await a statement whose failure another statement reports: never an unhandled rejection.
    p.catch(noop);
    return state.issued.push(p) - 1;
  };
  if (!state.begun) {
    state.begun = true;
    push(state.client.query("BEGIN"));
  }
  return push(
    values.length === 0 && SAVEPOINT.test(text) ? state.client.query(text) : named(state.client, text, values),
  );
}

/** The first failure among the statements issued up to `index`, else `fallback`. */
async function firstFailure(state: TxState, index: number, fallback: unknown): Promise<unknown> {
  const settled = await Promise.allSettled(state.issued.slice(state.handledUpTo, index + 1));
  for (const r of settled) if (r.status === "rejected") return r.reason;
  return fallback;
}

async function outcome(state: TxState, index: number): Promise<pg.QueryResult> {
  try {
    return await state.issued[index]!;
  } catch (e) {
    throw await firstFailure(state, index, e);
  }
}

/** Issues COMMIT and waits for it; a transaction the server rolled back throws its first failure. */
async function commit(state: TxState): Promise<void> {
  const index = issue(state, "COMMIT", []);
  state.finished = true;
  const res = await outcome(state, index);
  state.closed = true;
  // COMMIT of a transaction a statement aborted answers ROLLBACK, without an error of its own.
  if (res.command === "ROLLBACK")
    throw await firstFailure(state, index, new Error("raw SQL transaction: rolled back at COMMIT"));
}

function rawClient(pool: pg.Pool, state?: TxState): Tx {
  const run = async (args: unknown[], mode: "rows" | "count") => {
    const { text, values } = toQuery(args);
    let res: pg.QueryResult;
    if (!state) res = await named(pool, text, values);
    else {
      // COMMIT releases every savepoint: releasing one on the way is left to it.
      if (values.length === 0 && RELEASE.test(text)) return mode === "rows" ? [] : 0;
      const index = issue(state, text, values);
      // A savepoint is not waited for: it rides along with the next statement.
      if (values.length === 0 && SAVEPOINT.test(text)) return mode === "rows" ? [] : 0;
      res = await outcome(state, index);
      if (values.length === 0 && ROLLBACK_TO.test(text)) state.handledUpTo = index + 1;
    }
    return mode === "rows" ? res.rows : (res.rowCount ?? 0);
  };
  const inTx = (what: string) => {
    if (!state) throw new Error(`raw SQL: ${what} needs a transaction`);
    return state;
  };
  /** The transaction's last statement, with COMMIT right behind it in the same round trip. */
  const queryRawAndCommit = async (...args: unknown[]) => {
    const st = inTx("a statement with COMMIT");
    const { text, values } = toQuery(args);
    const index = issue(st, text, values);
    const committed = commit(st);
    committed.catch(noop); // the statement's own failure is the one reported
    const res = await outcome(st, index);
    await committed;
    return res.rows;
  };
  /**
   * A write whose result nobody reads: sent at once, not waited for. It must raise an error to signal
   * failure (see `kameng_fail`); the error then surfaces from the next statement waited for, or from
   * COMMIT, and the transaction rolls back.
   */
  const executeRawDeferred = (...args: unknown[]) => {
    const st = inTx("a deferred statement");
    const { text, values } = toQuery(args);
    issue(st, text, values);
  };
  // In a transaction a statement's failure also fails the transaction (it surfaces from the next
  // awaited statement or COMMIT), so one issued and never awaited is not an unhandled rejection.
  const handled = <T>(p: Promise<T>) => {
    if (state) p.catch(noop);
    return p;
  };
  const api = {
    $executeRawDeferred: executeRawDeferred,
    $queryRawAndCommit: queryRawAndCommit,
    $queryRaw: (...args: unknown[]) => handled(run(args, "rows")),
    $executeRaw: (...args: unknown[]) => handled(run(args, "count")),
    $queryRawUnsafe: (...args: unknown[]) => handled(run(args, "rows")),
    $executeRawUnsafe: (...args: unknown[]) => handled(run(args, "count")),
  };
  return new Proxy(api, {
    get(target, prop) {
      if (prop in target) return target[prop as keyof typeof target];
      if (prop === "then") return undefined;
      throw new Error(
        `raw SQL transaction: "${String(prop)}" is not available on the hot path (only $queryRaw/$executeRaw); use Prisma there`,
      );
    },
  }) as unknown as Tx;
}

export interface RawSqlLimits {
  /** A statement running longer is cancelled (its transaction fails). Default 30 s. */
  statementTimeoutMs?: number;
  /**
   * A transaction left idle this long (its caller hung between statements) is ended by the server, so
   * it cannot hold row locks forever. Default 60 s (the outbox relay dispatches a batch inside one).
   */
  idleInTransactionTimeoutMs?: number;
}

export function createRawSql(connectionString: string, max: number, limits: RawSqlLimits = {}): RawSql {
  // The hot-path statements look rows up by key, so a generic plan is as good as a custom one: a named
  // statement is planned once per connection instead of on every call.
  const settings = [
    "plan_cache_mode=force_generic_plan",
    `statement_timeout=${limits.statementTimeoutMs ?? 30_000}`,
    `idle_in_transaction_session_timeout=${limits.idleInTransactionTimeoutMs ?? 60_000}`,
  ];
  const pool = new pg.Pool({
    connectionString,
    max,
    types,
    pipeline: true,
    options: settings.map((s) => `-c ${s}`).join(" "),
  } as pg.PoolConfig);
  pool.on("error", () => {}); // an idle client's error: the pool drops it and reconnects
  const transaction = async <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    const stream = (client as unknown as { connection: { stream: TxState["stream"] } }).connection.stream;
    const state: TxState = {
      client,
      stream,
      corked: false,
      begun: false,
      finished: false,
      closed: false,
      issued: [],
      handledUpTo: 0,
    };
    let broken = false;
    try {
      const result = await fn(rawClient(pool, state));
      if (state.begun && !state.finished) await commit(state);
      return result;
    } catch (e) {
      if (state.begun && !state.closed) {
        try {
          await client.query("ROLLBACK");
        } catch {
          broken = true;
        }
      }
      throw e;
    } finally {
      client.release(broken);
    }
  };
  const reader = rawClient(pool);
  const db = new Proxy(
    { $transaction: (fn: (tx: Tx) => Promise<unknown>) => transaction(fn) },
    {
      get(target, prop) {
        if (prop === "$transaction") return target.$transaction;
        return (reader as unknown as Record<string | symbol, unknown>)[prop];
      },
    },
  ) as unknown as Db;
  return { transaction, reader, db, close: () => pool.end() };
}
