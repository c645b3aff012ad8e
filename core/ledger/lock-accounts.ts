import type { Currency, SqlExecutor } from "../shared/index.ts";
import type { ParsedAccountCode } from "./account-codes.ts";
import { accountSql, insertAccountsSql, lockAccountsSql } from "./ledger.sql.ts";
import type { LedgerAccount } from "./ledger.types.ts";

type AccountRow = LedgerAccount;

/** An account as read (the row map gives every field its type's shape; the currency is char(3)). */
export function toAccount(r: AccountRow): LedgerAccount {
  return { ...r, currency: r.currency.trim() as Currency, balance: BigInt(r.balance), held: BigInt(r.held) };
}

/**
 * Accounts are created on first use and never deleted, so once a code is known to exist in committed
 * data it needs no insert attempt. Only codes found already present count: one this transaction
 * created may still roll back (say, the posting ran short).
 */
export class KnownAccounts {
  private readonly codes = new Set<string>();
  has(code: string) {
    return this.codes.has(code);
  }
  add(code: string) {
    if (this.codes.size >= 100_000) this.codes.clear();
    this.codes.add(code);
  }
  forget(code: string) {
    this.codes.delete(code);
  }
  clear() {
    this.codes.clear();
  }
}

/** Inserts the missing accounts; returns the codes this transaction created (not yet committed). */
export async function insertAccounts(
  tx: SqlExecutor,
  accounts: readonly ParsedAccountCode[],
  now: Date,
): Promise<Set<string>> {
  if (accounts.length === 0) return new Set();
  const created = await tx.query<{ code: string }>(insertAccountsSql(accounts, now));
  return new Set(created.map((r) => r.code));
}

/** Creates the accounts not yet known to exist (first use), race-safely; a no-op on the hot path. */
export async function ensureAccounts(
  tx: SqlExecutor,
  accounts: readonly ParsedAccountCode[],
  known: KnownAccounts,
  now: Date,
): Promise<void> {
  const unknown = [...new Map(accounts.filter((a) => !known.has(a.code)).map((a) => [a.code, a])).values()];
  if (unknown.length === 0) return;
  const created = await insertAccounts(tx, unknown, now);
  for (const a of unknown) if (!created.has(a.code)) known.add(a.code);
}

/**
 * Returns the accounts for these codes, creating missing ones race-safely, with their rows locked
 * FOR UPDATE in id order: every posting locks in the same order, so postings cannot deadlock each other.
 * For CACHED accounts only: a SUMMED account's row is never locked (see readAccount).
 */
export async function lockAccounts(
  tx: SqlExecutor,
  accounts: readonly ParsedAccountCode[],
  known: KnownAccounts,
  now: Date,
): Promise<Map<string, LedgerAccount>> {
  const unique = [...new Map(accounts.map((a) => [a.code, a])).values()];
  if (unique.some((a) => a.balanceMode !== "CACHED")) throw new Error("only cached accounts are locked");
  const select = async () => {
    const rows = await tx.query<AccountRow>(lockAccountsSql(unique.map((a) => a.code)));
    return new Map(rows.map((r) => [r.code, toAccount(r)]));
  };
  const created = unique.some((a) => !known.has(a.code)) ? await insertAccounts(tx, unique, now) : new Set<string>();
  let found = await select();
  if (found.size < unique.length) {
    for (const code of await insertAccounts(
      tx,
      unique.filter((a) => !found.has(a.code)),
      now,
    ))
      created.add(code);
    found = await select();
  }
  if (found.size < unique.length) throw new Error("ledger accounts vanished while locking them");
  for (const code of found.keys()) if (!created.has(code)) known.add(code);
  return found;
}

/**
 * Returns one account, creating it if missing, without locking it: a SUMMED account's row is shared
 * by every order, and a lock on it (even FOR SHARE) would queue behind or block postings.
 */
export async function readAccount(
  tx: SqlExecutor,
  account: ParsedAccountCode,
  known: KnownAccounts,
  now: Date,
): Promise<LedgerAccount> {
  await ensureAccounts(tx, [account], known, now);
  const [row] = await tx.query<AccountRow>(accountSql(account.code));
  if (!row) {
    known.forget(account.code);
    throw new Error(`ledger account ${account.code} vanished while reading it`);
  }
  return toAccount(row);
}
