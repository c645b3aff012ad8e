import type { PrismaClient } from "../../prisma/generated/client.ts";
import type { Prisma } from "../../prisma/generated/client.ts";

/**
 * Prisma's client and transaction: admin CRUD and reports only (docs/data-access.md). The hot paths run
 * on the SqlRunner (sql.ts) instead.
 */
export type Db = PrismaClient;
export type Tx = Prisma.TransactionClient;
export type DbOrTx = Db | Tx;

export interface TxOptions {
  tx?: Tx;
}

/** Runs `fn` in the caller's Prisma transaction when there is one, else in a new one. */
export async function inTx<T>(db: Db, opts: TxOptions | undefined, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if (opts?.tx) return fn(opts.tx);
  return db.$transaction(fn, { timeout: 15_000, maxWait: 15_000 });
}

/**
 * A driver error and the errors under it, wherever the driver or Prisma's adapter put them — the
 * adapter's cause before the Prisma error itself, whose own code (P2010, "raw query failed") would
 * otherwise pass for a SQLSTATE.
 */
function* errorChain(e: unknown): Generator<Record<string, unknown>> {
  const seen = new Set<unknown>();
  let cur: unknown = e;
  while (cur && typeof cur === "object" && !seen.has(cur)) {
    seen.add(cur);
    const o = cur as Record<string, unknown>;
    const driver = (o.meta as Record<string, unknown> | undefined)?.driverAdapterError as
      Record<string, unknown> | undefined;
    const cause = driver?.cause;
    if (cause && typeof cause === "object" && !seen.has(cause)) {
      seen.add(cause);
      yield cause as Record<string, unknown>;
    }
    yield o;
    cur = o.cause ?? driver;
  }
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** The PostgreSQL SQLSTATE of a driver error, wherever the adapter put it. */
export function sqlState(e: unknown): string | undefined {
  for (const o of errorChain(e)) {
    if (typeof o.originalCode === "string") return o.originalCode;
    if (typeof o.code === "string" && SQLSTATE.test(o.code)) return o.code;
  }
  return undefined;
}

/** Whether `e` is a violation of the CHECK constraint `constraint`. */
export function violatesCheck(e: unknown, constraint: string): boolean {
  if (sqlState(e) !== PG_CHECK_VIOLATION) return false;
  for (const o of errorChain(e))
    for (const k of ["constraint", "message", "originalMessage"])
      if (typeof o[k] === "string" && (o[k] as string).includes(constraint)) return true;
  return false;
}

/** SQLSTATE of `kameng_fail(reason[, detail])` (migrations): a named failure raised from inside a statement. */
export const KAMENG_FAIL = "KM001";

/**
 * The reason (and detail) of a `kameng_fail` error, wherever the driver or adapter put it; undefined
 * for any other error. Statements issued ahead of the ones that read their results raise these to
 * abort the transaction with a cause the flow can name.
 */
export function kamengFailure(e: unknown): { reason: string; detail?: string } | undefined {
  for (const o of errorChain(e)) {
    if (o.code !== KAMENG_FAIL && o.originalCode !== KAMENG_FAIL) continue;
    const reason = o.originalMessage ?? o.message;
    if (typeof reason === "string") return { reason, ...(typeof o.detail === "string" ? { detail: o.detail } : {}) };
  }
  return undefined;
}

export const PG_UNIQUE_VIOLATION = "23505";
export const PG_CHECK_VIOLATION = "23514";
export const PG_SERIALIZATION_FAILURE = "40001";
export const PG_DEADLOCK = "40P01";
