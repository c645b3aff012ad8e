import { Prisma } from "../../prisma/generated/client.ts";
import { newId, type Currency, type Tx } from "../shared/index.ts";
import type { ParsedAccountCode } from "./account-codes.ts";
import type { AccountKind, BalanceMode, LedgerAccount } from "./ledger.types.ts";

interface AccountRow {
  id: string;
  code: string;
  kind: string;
  ownerId: string | null;
  currency: string;
  balance: bigint;
  held: bigint;
  allowNegative: boolean;
  balanceMode: string;
}

/**
 * An account row aliased `a`, its balance read the way its mode keeps it: the cached column, or the
 * sum of its entries (index ledger_entries(account_id, id)) in the statement's snapshot.
 */
export const ACCOUNT_COLUMNS = Prisma.sql`a.id::text AS id, a.code, a.kind, a.owner_id::text AS "ownerId", a.currency,
  CASE WHEN a.balance_mode = 'SUMMED'
    THEN (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e WHERE e.account_id = a.id)::bigint
    ELSE a.balance END AS balance,
  a.held, a.allow_negative AS "allowNegative", a.balance_mode AS "balanceMode"`;

export function toAccount(r: AccountRow): LedgerAccount {
  return {
    id: r.id,
    code: r.code,
    kind: r.kind as AccountKind,
    ownerId: r.ownerId,
    currency: r.currency.trim() as Currency,
    balance: BigInt(r.balance),
    held: BigInt(r.held),
    allowNegative: r.allowNegative,
    balanceMode: r.balanceMode as BalanceMode,
  };
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
export async function insertAccounts(tx: Tx, accounts: readonly ParsedAccountCode[], now: Date): Promise<Set<string>> {
  if (accounts.length === 0) return new Set();
  // Sorted by code, so two transactions creating the same new accounts wait on each other in one order.
  const sorted = [...accounts].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const rows = sorted.map(
    (a) =>
      Prisma.sql`(${newId()}::uuid, ${a.code}, ${a.kind}, ${a.ownerId}::uuid, ${a.currency}, ${a.allowNegative},
        ${a.balanceMode}, ${now}::timestamptz)`,
  );
  const created = await tx.$queryRaw<{ code: string }[]>`INSERT INTO ledger_accounts
      (id, code, kind, owner_id, currency, allow_negative, balance_mode, created_at)
    VALUES ${Prisma.join(rows)} ON CONFLICT (code) DO NOTHING RETURNING code`;
  return new Set(created.map((r) => r.code));
}

/** Creates the accounts not yet known to exist (first use), race-safely; a no-op on the hot path. */
export async function ensureAccounts(
  tx: Tx,
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
  tx: Tx,
  accounts: readonly ParsedAccountCode[],
  known: KnownAccounts,
  now: Date,
): Promise<Map<string, LedgerAccount>> {
  const unique = [...new Map(accounts.map((a) => [a.code, a])).values()];
  if (unique.some((a) => a.balanceMode !== "CACHED")) throw new Error("only cached accounts are locked");
  const select = async () => {
    const rows = await tx.$queryRaw<AccountRow[]>`SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts a
      WHERE a.code IN (${Prisma.join(unique.map((a) => a.code))}) ORDER BY a.id FOR UPDATE`;
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
  tx: Tx,
  account: ParsedAccountCode,
  known: KnownAccounts,
  now: Date,
): Promise<LedgerAccount> {
  await ensureAccounts(tx, [account], known, now);
  const [row] = await tx.$queryRaw<AccountRow[]>`SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts a
    WHERE a.code = ${account.code}`;
  if (!row) {
    known.forget(account.code);
    throw new Error(`ledger account ${account.code} vanished while reading it`);
  }
  return toAccount(row);
}
