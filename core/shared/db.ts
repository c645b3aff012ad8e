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
    for (const k of ["code", "originalCode"]) {
      const v = o[k];
      if (typeof v === "string" && /^[0-9A-Z]{5}$/.test(v)) return v;
    }
    const meta = o.meta as Record<string, unknown> | undefined;
    const driver = meta?.driverAdapterError as Record<string, unknown> | undefined;
    const cause = driver?.cause as Record<string, unknown> | undefined;
    if (cause && typeof cause.originalCode === "string") return cause.originalCode;
    if (cause && typeof cause.code === "string" && /^[0-9A-Z]{5}$/.test(cause.code)) return cause.code;
    cur = o.cause ?? driver;
  }
  return undefined;
}

export const PG_UNIQUE_VIOLATION = "23505";
export const PG_CHECK_VIOLATION = "23514";
export const PG_SERIALIZATION_FAILURE = "40001";
export const PG_DEADLOCK = "40P01";
