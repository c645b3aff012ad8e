import { createHash } from "node:crypto";
import { createRequire } from "node:module";
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

const { prepareValue } = createRequire(import.meta.url)("pg/lib/utils.js") as {
  prepareValue(v: unknown): string | Buffer | null;
};

/** The statement with its parameters as SQL literals, for the simple-query protocol (`…; COMMIT`). */
function inline(text: string, values: unknown[]): string {
  return text.replace(/\$(\d+)/g, (_m, n: string) => {
    const v = prepareValue(values[Number(n) - 1]);
    if (v === null) return "NULL";
    if (Buffer.isBuffer(v)) return `'\\x${v.toString("hex")}'::bytea`;
    return pg.escapeLiteral(v);
  });
}

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

interface RawTxState {
  committed: boolean;
  /**
   * Parameterless bookkeeping statements (BEGIN, SAVEPOINT) not sent yet: they ride along with the
   * next real statement in one round trip instead of costing one each.
   */
  pending: string[];
  /** Whether anything reached the server (else a rollback has nothing to undo). */
  sent: boolean;
  /** `pending` holds a deferred write: COMMIT must carry it even if no statement follows. */
  deferredWrites: boolean;
}

const DEFERRABLE = /^\s*(BEGIN|SAVEPOINT \w+)\s*$/i;
const RELEASE = /^\s*RELEASE SAVEPOINT \w+\s*$/i;

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

/** Sends `sql` (with its parameters) after the pending statements, in one round trip; the last result. */
async function send(c: Queryable, state: RawTxState | undefined, text: string, values: unknown[], suffix = "") {
  if (!state || (state.pending.length === 0 && !suffix))
    return c.query({ name: statementName(text), text, values: values.map(prepare) });
  const script = [...state.pending, values.length ? inline(text, values) : text, ...(suffix ? [suffix] : [])].join(
    ";\n",
  );
  state.pending = [];
  state.sent = true;
  const res = (await c.query(script)) as unknown as pg.QueryResult | pg.QueryResult[];
  const results = Array.isArray(res) ? res : [res];
  return results[results.length - (suffix ? 2 : 1)]!;
}

function rawClient(q: () => Promise<{ run: Queryable; done: () => void }>, state?: RawTxState): Tx {
  const run = async (args: unknown[], mode: "rows" | "count") => {
    const { text, values } = toQuery(args);
    if (state?.committed) throw new Error("raw SQL transaction: a statement after the final one");
    if (state && values.length === 0) {
      // COMMIT releases every savepoint: releasing one on the way costs a round trip, often while the
      // transaction holds a hot row lock (the ledger's system accounts), so it is left to COMMIT.
      if (RELEASE.test(text)) return mode === "rows" ? [] : 0;
      if (DEFERRABLE.test(text)) {
        state.pending.push(text.trim());
        return mode === "rows" ? [] : 0;
      }
    }
    const { run: c, done } = await q();
    try {
      const res = await send(c, state, text, values);
      if (state) state.sent = true;
      return mode === "rows" ? res.rows : (res.rowCount ?? 0);
    } finally {
      done();
    }
  };
  /**
   * The transaction's last statement sent together with COMMIT in one round trip (simple-query
   * protocol, parameters inlined as literals), so row locks it takes are held for no extra round trip.
   */
  const queryRawAndCommit = async (...args: unknown[]) => {
    if (!state) return run(args, "rows");
    if (state.committed) throw new Error("raw SQL transaction: already committed");
    const { text, values } = toQuery(args);
    const { run: c, done } = await q();
    try {
      state.committed = true;
      return (await send(c, state, text, values, "COMMIT")).rows;
    } finally {
      done();
    }
  };
  /**
   * A write whose result nobody reads: sent ahead of the transaction's next statement (or its COMMIT)
   * in the same round trip. It must raise an error to signal failure (see `kameng_fail`); the error
   * then surfaces from that next statement or the commit, and the transaction rolls back.
   */
  const executeRawDeferred = (...args: unknown[]) => {
    if (!state) throw new Error("raw SQL: a deferred statement needs a transaction");
    if (state.committed) throw new Error("raw SQL transaction: already committed");
    const { text, values } = toQuery(args);
    state.pending.push(values.length ? inline(text, values) : text);
    state.deferredWrites = true;
  };
  const api = {
    $executeRawDeferred: executeRawDeferred,
    $queryRawAndCommit: queryRawAndCommit,
    $queryRaw: (...args: unknown[]) => run(args, "rows"),
    $executeRaw: (...args: unknown[]) => run(args, "count"),
    $queryRawUnsafe: (...args: unknown[]) => run(args, "rows"),
    $executeRawUnsafe: (...args: unknown[]) => run(args, "count"),
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

export function createRawSql(connectionString: string, max: number): RawSql {
  // The hot-path statements look rows up by key, so a generic plan is as good as a custom one: a named
  // statement is planned once per connection instead of on every call.
  const pool = new pg.Pool({ connectionString, max, types, options: "-c plan_cache_mode=force_generic_plan" });
  pool.on("error", () => {}); // an idle client's error: the pool drops it and reconnects
  const transaction = async <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    // BEGIN rides along with the first statement (see RawTxState.pending).
    const state: RawTxState = { committed: false, pending: ["BEGIN"], sent: false, deferredWrites: false };
    let broken = false;
    try {
      const tx = rawClient(async () => ({ run: client, done: () => {} }), state);
      const result = await fn(tx);
      // Deferred writes still pending ride along with COMMIT.
      if (!state.committed && state.deferredWrites && state.pending.length) await send(client, state, "COMMIT", []);
      else if (!state.committed && state.sent) await client.query("COMMIT");
      return result;
    } catch (e) {
      if (state.sent) {
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
  const reader = rawClient(async () => ({ run: pool, done: () => {} }));
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
