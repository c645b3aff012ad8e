import { createHash } from "node:crypto";
import pg from "pg";
import type { Sql, SqlRunner, SqlTx } from "../../core/shared/sql.ts";

/**
 * The SqlRunner on PostgreSQL: node-postgres directly, in pipeline mode. Prisma's client costs ~0.7 ms of
 * CPU per statement here (0.97 ms vs 0.30 ms for a trivial SELECT), and an order is ~20 statements, so the
 * hot paths run here. Every statement is a named prepared statement (parsed and planned once per
 * connection, generic plan), sent as soon as it is issued without waiting for the ones before, and the
 * statements issued in one tick leave in one socket write (the stream is corked until the tick ends).
 * Outside transactions, the statements issued in one tick share a connection and a write too (reads
 * first, at most one statement that may wait for a lock last).
 */

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

const prepare = (v: unknown) => (v instanceof Uint8Array && !(v instanceof Buffer) ? Buffer.from(v) : v);

/** A statement as sent: its text and the name it is prepared under. */
interface Statement {
  name: string;
  text: string;
  /** Reads rows and takes no lock (see `isPlainRead`): it never waits for a transaction. */
  plainRead: boolean;
}

/**
 * A SELECT that neither locks rows (`FOR UPDATE`/`SHARE`) nor takes an advisory lock nor writes through a
 * data-modifying `WITH`: under MVCC it never waits for another session's transaction, so it can wait its
 * turn behind others on one connection without ever waiting on a transaction that waits on it.
 */
const isPlainRead = (text: string) =>
  /^\s*SELECT\b/i.test(text) &&
  !/\bFOR\s+(UPDATE|NO\s+KEY\s+UPDATE|SHARE|KEY\s+SHARE)\b/i.test(text) &&
  !/\b(pg_advisory\w*|pg_sleep\w*|nextval|setval)\s*\(/i.test(text) &&
  !/\b(INSERT|UPDATE|DELETE|MERGE)\b/i.test(text);

/** A trie over statements' text fragments (`Sql.strings`): the fragments, in order, make the text. */
interface FragmentNode {
  next: Map<string, FragmentNode>;
  statement?: Statement;
}

const fragments: FragmentNode = { next: new Map() };
let fragmentNodes = 0;
const MAX_FRAGMENT_NODES = 100_000;

const nameStatement = (text: string): Statement => ({
  name: `k${createHash("sha1").update(text).digest("hex").slice(0, 16)}`,
  text,
  plainRead: isPlainRead(text),
});

/**
 * Hot-path statements are a small fixed set: naming them makes each connection parse and plan a
 * statement once and then only bind and execute it (an unnamed statement is planned on every call).
 * A statement's text is its fragments joined by `$n`; `Sql.text` builds that string anew on every read,
 * and looking it up by content hashes kilobytes per statement. Walking the fragments instead costs a map
 * lookup per fragment, most of them the template's own literals (their hash is cached in the string), and
 * hands the driver the same text object each time.
 */
function statementOf(s: Sql): Statement {
  let node = fragments;
  for (const f of s.strings) {
    let child = node.next.get(f);
    if (!child) {
      // Beyond the cap (statements built with varying text) name each one from its text, uncached.
      if (fragmentNodes >= MAX_FRAGMENT_NODES) return nameStatement(s.text);
      child = { next: new Map() };
      node.next.set(f, child);
      fragmentNodes++;
    }
    node = child;
  }
  return (node.statement ??= nameStatement(s.text));
}

const send = (c: Queryable, { name, text }: Statement, s: Sql) =>
  c.query({ name, text, values: s.values.map(prepare) }) as Promise<pg.QueryResult>;

const named = (c: Queryable, s: Sql) => send(c, statementOf(s), s);

/** Most plain reads sent down one connection at once (the rest of a tick's go down others). */
const MAX_BATCH_READS = 32;

interface PendingStatement {
  statement: Statement;
  s: Sql;
  resolve(r: pg.QueryResult): void;
  reject(e: unknown): void;
}

const noop = () => {};

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
  /** Failures before this index were handled (rolled back to a savepoint after them). */
  handledUpTo: number;
  savepoints: number;
}

/** Sends a statement now (after those already issued); its index in `issued`. */
function issue(state: TxState, run: (c: pg.PoolClient) => Promise<pg.QueryResult>): number {
  if (state.finished) throw new Error("SQL transaction: a statement after COMMIT");
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
  return push(run(state.client));
}

/** The first failure among the statements issued up to `index` (since the last handled one), else `fallback`. */
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
  const index = issue(state, (c) => c.query("COMMIT"));
  state.finished = true;
  const res = await outcome(state, index);
  state.closed = true;
  // COMMIT of a transaction a statement aborted answers ROLLBACK, without an error of its own.
  if (res.command === "ROLLBACK")
    throw await firstFailure(state, index, new Error("SQL transaction: rolled back at COMMIT"));
}

function pipelinedTx(state: TxState): SqlTx {
  /** A statement issued and never awaited (a later one reports its failure) is not an unhandled rejection. */
  const run = <T>(s: Sql, pick: (r: pg.QueryResult) => T): Promise<T> => {
    const p = outcome(
      state,
      issue(state, (c) => named(c, s)),
    ).then(pick);
    p.catch(noop);
    return p;
  };
  return {
    query: <R>(s: Sql) => run(s, (r) => r.rows as R[]),
    execute: (s: Sql) => run(s, (r) => r.rowCount ?? 0),
    send(s) {
      issue(state, (c) => named(c, s));
    },
    async queryAndCommit<R>(s: Sql) {
      const index = issue(state, (c) => named(c, s));
      const committed = commit(state);
      committed.catch(noop); // the statement's own failure is the one reported
      const res = await outcome(state, index);
      await committed;
      return res.rows as R[];
    },
    async savepoint<T>(fn: () => Promise<T>) {
      const name = `kameng_sp${++state.savepoints}`;
      // Not waited for: it rides along with the next statement. COMMIT releases it.
      const at = issue(state, (c) => c.query(`SAVEPOINT ${name}`));
      try {
        return await fn();
      } catch (e) {
        const back = issue(state, (c) => c.query(`ROLLBACK TO SAVEPOINT ${name}`));
        await outcome(state, back);
        state.handledUpTo = Math.max(state.handledUpTo, at + 1, back + 1);
        throw e;
      }
    },
  };
}

export interface PgPipelineRunnerOptions {
  connectionString: string;
  /** Connections in this runner's pool. */
  max: number;
  /** A statement running longer is cancelled (its transaction fails). Default 30 s. */
  statementTimeoutMs?: number;
  /**
   * A transaction left idle this long (its caller hung between statements) is ended by the server, so it
   * cannot hold row locks forever. Default 60 s.
   */
  idleInTransactionTimeoutMs?: number;
}

export interface PgPipelineRunner extends SqlRunner {
  close(): Promise<void>;
}

export function createPgPipelineRunner(opts: PgPipelineRunnerOptions): PgPipelineRunner {
  // The hot-path statements look rows up by key, so a generic plan is as good as a custom one: a named
  // statement is planned once per connection instead of on every call (test/prisma/hot-plans.test.ts
  // keeps their generic plans on their indexes).
  const settings = [
    "plan_cache_mode=force_generic_plan",
    `statement_timeout=${opts.statementTimeoutMs ?? 30_000}`,
    `idle_in_transaction_session_timeout=${opts.idleInTransactionTimeoutMs ?? 60_000}`,
  ];
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max,
    types,
    pipeline: true,
    options: settings.map((s) => `-c ${s}`).join(" "),
  } as pg.PoolConfig);
  pool.on("error", () => {}); // an idle client's error: the pool drops it and reconnects

  /**
   * Statements issued outside a transaction in one tick (the `Promise.all` of a look-up, several requests'
   * statements that arrive together) share a connection and one socket write, instead of a pool checkout
   * and a write each: on this machine a write to PostgreSQL's socket costs more CPU than a key look-up's
   * own work. Each still runs on its own (its own Sync: autocommit; a failure is only its own) and
   * resolves as soon as it is answered. On one connection they run one after another, so nothing that
   * may wait for a lock (a write, `FOR UPDATE`, an advisory lock) is ever put ahead of another
   * statement: a batch is plain reads (which never wait for a transaction) and at most one such
   * statement, last. No statement then waits behind one that waits for a transaction that waits for it.
   */
  let pending: PendingStatement[] | null = null;
  const sendBatch = async (list: PendingStatement[]) => {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (e) {
      for (const r of list) r.reject(e);
      return;
    }
    // The connection failing while the batch is out: each statement is failed by the driver; the pool drops it.
    let broken: unknown;
    const onError = (e: unknown) => (broken ??= e);
    client.on("error", onError);
    const stream = (client as unknown as { connection: { stream: TxState["stream"] } }).connection.stream;
    stream.cork();
    const done = list.map((r) =>
      send(client, r.statement, r.s).then(r.resolve, (e: unknown) => {
        // An error the server answered leaves the connection usable; any other may not have.
        if (!(e instanceof pg.DatabaseError)) broken ??= e;
        r.reject(e);
      }),
    );
    stream.uncork();
    await Promise.all(done);
    client.removeListener("error", onError);
    client.release(broken === undefined ? undefined : broken instanceof Error ? broken : new Error(String(broken)));
  };
  const flush = () => {
    const all = pending!;
    pending = null;
    const reads = all.filter((r) => r.statement.plainRead);
    const others = all.filter((r) => !r.statement.plainRead);
    const batches: PendingStatement[][] = [];
    for (let i = 0; i < reads.length; i += MAX_BATCH_READS) batches.push(reads.slice(i, i + MAX_BATCH_READS));
    // One statement that may wait at the end of each batch; any more go alone.
    others.forEach((r, i) => (i < batches.length ? batches[i]!.push(r) : batches.push([r])));
    for (const b of batches) void sendBatch(b);
  };
  const autocommit = (s: Sql): Promise<pg.QueryResult> =>
    new Promise((resolve, reject) => {
      if (pending === null) {
        pending = [];
        // After the microtasks queued now: the statements their continuations issue join this batch too.
        process.nextTick(flush);
      }
      pending.push({ statement: statementOf(s), s, resolve, reject });
    });

  return {
    engine: "postgres",
    query: async <R>(s: Sql) => (await autocommit(s)).rows as R[],
    execute: async (s: Sql) => (await autocommit(s)).rowCount ?? 0,
    async transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
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
        savepoints: 0,
      };
      let broken = false;
      try {
        const result = await fn(pipelinedTx(state));
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
    },
    close: () => pool.end(),
  };
}
