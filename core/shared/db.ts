import type { PrismaClient } from "../../prisma/generated/client.ts";
import type { Prisma } from "../../prisma/generated/client.ts";

export type Db = PrismaClient;
export type Tx = Prisma.TransactionClient;
/** Core methods accept either the client or an open transaction, so flows can compose them. */
export type DbOrTx = Db | Tx;

export interface TxOptions {
  tx?: Tx;
}

/** Runs `fn` in the caller's transaction when there is one, else in a new one. */
export async function inTx<T>(db: Db, opts: TxOptions | undefined, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if (opts?.tx) return fn(opts.tx);
  return db.$transaction(fn, { timeout: 15_000, maxWait: 15_000 });
}

/** The PostgreSQL SQLSTATE of a driver error, wherever the adapter put it. */
export function sqlState(e: unknown): string | undefined {
  const seen = new Set<unknown>();
  let cur: unknown = e;
  while (cur && typeof cur === "object" && !seen.has(cur)) {
    seen.add(cur);
    const o = cur as Record<string, unknown>;
    // A Prisma error's own code (P2010, "raw query failed") looks like a SQLSTATE: the driver's comes first.
    const meta = o.meta as Record<string, unknown> | undefined;
    const driver = meta?.driverAdapterError as Record<string, unknown> | undefined;
    const cause = driver?.cause as Record<string, unknown> | undefined;
    if (cause && typeof cause.originalCode === "string") return cause.originalCode;
    if (cause && typeof cause.code === "string" && /^[0-9A-Z]{5}$/.test(cause.code)) return cause.code;
    for (const k of ["code", "originalCode"]) {
      const v = o[k];
      if (typeof v === "string" && /^[0-9A-Z]{5}$/.test(v)) return v;
    }
    cur = o.cause ?? driver;
  }
  return undefined;
}

/** SQLSTATE of `kameng_fail(reason[, detail])` (migrations): a named failure raised from inside a statement. */
export const KAMENG_FAIL = "KM001";

/**
 * The reason (and detail) of a `kameng_fail` error, wherever the driver or adapter put it; undefined
 * for any other error. Statements issued ahead of the ones that read their results raise these to
 * abort the transaction with a cause the flow can name.
 */
export function kamengFailure(e: unknown): { reason: string; detail?: string } | undefined {
  if (sqlState(e) !== KAMENG_FAIL) return undefined;
  const seen = new Set<unknown>();
  let cur: unknown = e;
  while (cur && typeof cur === "object" && !seen.has(cur)) {
    seen.add(cur);
    const o = cur as Record<string, unknown>;
    const isIt = o.code === KAMENG_FAIL || o.originalCode === KAMENG_FAIL;
    const reason = o.originalMessage ?? o.message;
    if (isIt && typeof reason === "string")
      return { reason, ...(typeof o.detail === "string" ? { detail: o.detail } : {}) };
    const meta = o.meta as Record<string, unknown> | undefined;
    const driver = meta?.driverAdapterError as Record<string, unknown> | undefined;
    cur = driver?.cause ?? o.cause ?? driver;
  }
  return undefined;
}

/**
 * A transaction client whose raw statements run one after another in the order they were issued,
 * even when the caller issues the next before awaiting the last (as the flows do, for the pipelining
 * runner in app/pg-raw-sql.ts). As there, a failure fails the statements after it with the same error
 * (the first failure is the one reported), until a ROLLBACK TO SAVEPOINT.
 */
export function inOrder(tx: Tx): Tx {
  let last: Promise<unknown> = Promise.resolve();
  let failure: { error: unknown } | undefined;
  const target = tx as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const raw = new Set(["$queryRaw", "$executeRaw", "$queryRawUnsafe", "$executeRawUnsafe"]);
  const call = (method: string, args: unknown[]) => {
    const rollbackTo = typeof args[0] === "string" && /^\s*ROLLBACK TO SAVEPOINT\b/i.test(args[0]);
    const run = async () => {
      if (failure && !rollbackTo) throw failure.error;
      try {
        const result = await target[method]!(...args);
        if (rollbackTo) failure = undefined;
        return result;
      } catch (e) {
        failure ??= { error: e };
        throw e;
      }
    };
    const p = last.then(run, run);
    p.catch(() => {}); // issued and never awaited when an earlier statement's failure is reported instead
    last = p;
    return p;
  };
  return new Proxy(target, {
    get(t, prop) {
      if (typeof prop === "string" && raw.has(prop)) return (...args: unknown[]) => call(prop, args);
      return t[prop as string];
    },
  }) as unknown as Tx;
}

export const PG_UNIQUE_VIOLATION = "23505";
export const PG_CHECK_VIOLATION = "23514";
export const PG_SERIALIZATION_FAILURE = "40001";
export const PG_DEADLOCK = "40P01";
