import { conflict, newId, unavailable, type Sql, type SqlExecutor, type SqlTx } from "../shared/index.ts";
import { ensureAccounts, type KnownAccounts } from "./lock-accounts.ts";
import { postingSql, reversalOfSql, transactionByKeySql } from "./ledger.sql.ts";
import type { BalanceMode, PostResult } from "./ledger.types.ts";
import type { ValidLeg } from "./validate-legs.ts";

export interface Posting {
  idempotencyKey: string;
  requestHash: string;
  kind: string;
  memo: string | null;
  metadata: Record<string, unknown> | null;
  reversesId: string | null;
  legs: ValidLeg[];
  /** Capturing a hold: lower `held` on this account (by code) in the same guarded update that debits it. */
  release?: { account: string; amount: bigint };
}

/** Thrown inside the database transaction to undo a posting that ran short; never escapes the ledger. */
export class ShortOfFunds extends Error {
  constructor(readonly account: string) {
    super(`insufficient funds on ${account}`);
  }
}

/**
 * Writes one balanced transaction inside `tx` in one statement (plus one to create accounts this
 * process has not seen yet): the transaction row (its ON CONFLICT DO NOTHING is the idempotency gate,
 * so a replay never touches a balance), the CACHED accounts (wallets) locked in id order with their
 * guarded balance update, and the entries. SUMMED accounts (escrow, custody, revenue, …) only get their entries:
 * their row is neither updated nor locked, so concurrent orders never queue on it (the entry's foreign
 * key takes a FOR KEY SHARE lock, which other postings share). Wallet row locks are held only from that
 * statement to commit. A guard that fails throws ShortOfFunds, so the caller rolls the attempt back
 * (whole transaction, or a savepoint).
 */
export async function postTransaction(
  tx: SqlExecutor,
  p: Posting,
  known: KnownAccounts,
  now: Date,
  id?: string,
): Promise<PostResult> {
  const transactionId = await newPosting(tx, p, known, now, id);
  const net = netChanges(p);
  const [res] = await tx.query<{ inserted: number; written: string[] }>(
    postingSql(p, net, transactionId, now, "checked", ACCOUNT_MISSING),
  );
  if (!res || res.inserted === 0) {
    const earlier = await resolveExisting(tx, p);
    if (earlier) return earlier;
    // The conflicting row is not visible to this transaction's snapshot (e.g. REPEATABLE READ): retry.
    throw unavailable("ledger_retry", "a concurrent posting with this idempotency key is in flight; retry");
  }
  const written = res.written.map((code) => ({ code }));
  if (written.length < net.size) {
    const done = new Set(written.map((r) => r.code));
    const missing = [...net.keys()].filter((c) => !done.has(c));
    // Only a debited cached non-negative account can fail its guard; any other is absent (its creator rolled back).
    const absent = missing.find((c) => !canRunShort(net.get(c)!));
    if (absent) {
      known.forget(absent);
      throw unavailable("ledger_retry", `ledger account ${absent} is missing; retry`);
    }
    throw new ShortOfFunds(missing[0]!);
  }
  return { ok: true, transactionId, replayed: false };
}

/** Creates the accounts this process has not seen yet; the new transaction's id. */
async function newPosting(tx: SqlExecutor, p: Posting, known: KnownAccounts, now: Date, id?: string): Promise<string> {
  await ensureAccounts(
    tx,
    p.legs.map((l) => l.account),
    known,
    now,
  );
  return id ?? newId();
}

export const ACCOUNT_MISSING = "ledger_account_missing";

/**
 * The posting sent without waiting (`send`), for a caller that rolls its whole transaction back on
 * failure: no round trip of its own, and nobody reads its result, so it fails by raising — on every
 * runner. A new idempotency key is required (a duplicate is a unique violation, not a replay); a
 * wallet that would go negative trips `ledger_accounts_non_negative`; a missing account raises
 * `kameng_fail('ledger_account_missing')`. `deferredFailure` (ledger.service.ts) reads those errors.
 */
export async function postDeferred(
  tx: SqlTx,
  p: Posting,
  known: KnownAccounts,
  now: Date,
  opts: { last?: boolean; transactionId?: string; onlyIf?: Sql | undefined } = {},
): Promise<PostResult> {
  const transactionId = await newPosting(tx, p, known, now, opts.transactionId);
  const statement = postingSql(p, netChanges(p), transactionId, now, "deferred", ACCOUNT_MISSING, opts.onlyIf);
  // `last`: the posting and COMMIT leave together, and the answer means committed.
  if (opts.last) await tx.queryAndCommit(statement);
  else tx.send(statement);
  return { ok: true, transactionId, replayed: false };
}

export interface NetChange {
  delta: bigint;
  released: bigint;
  allowNegative: boolean;
  balanceMode: BalanceMode;
}

/** The posting's net change per account code (a captured hold's release on its account included). */
export function netChanges(p: Pick<Posting, "legs" | "release">): Map<string, NetChange> {
  const net = new Map<string, NetChange>();
  for (const leg of p.legs) {
    const d = net.get(leg.account.code) ?? {
      delta: 0n,
      released: 0n,
      allowNegative: leg.account.allowNegative,
      balanceMode: leg.account.balanceMode,
    };
    d.delta += leg.amount;
    net.set(leg.account.code, d);
  }
  if (p.release) {
    const d = net.get(p.release.account);
    if (!d || d.balanceMode !== "CACHED")
      throw new Error("the released hold's account is not a cached leg of the posting");
    d.released += p.release.amount;
  }
  return net;
}

/** Only a debit of a cached, non-negative account (a wallet) is guarded, so only it can run short. */
export function canRunShort(d: Pick<NetChange, "delta" | "allowNegative" | "balanceMode">): boolean {
  return d.balanceMode === "CACHED" && !d.allowNegative && d.delta < 0n;
}

/**
 * What an earlier posting with the same idempotency key (or reversing the same transaction) decided:
 * the same request replays; a different one under the same key, or a second reversal, is a conflict.
 */
export async function resolveExisting(tx: SqlExecutor, p: Posting): Promise<PostResult | undefined> {
  const [byKey] = await tx.query<{ id: string; requestHash: string }>(transactionByKeySql(p.idempotencyKey));
  if (byKey) {
    if (byKey.requestHash !== p.requestHash)
      throw conflict("idempotency_conflict", "this idempotency key was already used for a different posting", {
        idempotencyKey: p.idempotencyKey,
      });
    return { ok: true, transactionId: byKey.id, replayed: true };
  }
  if (p.reversesId) {
    const [rev] = await tx.query<{ id: string }>(reversalOfSql(p.reversesId));
    if (rev)
      throw conflict("already_reversed", "this transaction has already been reversed", {
        transactionId: p.reversesId,
        reversalId: rev.id,
      });
  }
  return undefined;
}
