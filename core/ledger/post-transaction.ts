import { Prisma } from "../../prisma/generated/client.ts";
import { conflict, newId, toJson, unavailable, type PipeliningTx, type Tx } from "../shared/index.ts";
import { ensureAccounts, type KnownAccounts } from "./lock-accounts.ts";
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
  tx: Tx,
  p: Posting,
  known: KnownAccounts,
  now: Date,
  id?: string,
): Promise<PostResult> {
  const transactionId = await newPosting(tx, p, known, now, id);
  const net = netChanges(p);
  const [res] = await tx.$queryRaw<{ inserted: number; written: string[] }[]>(
    postingSql(p, net, transactionId, now, "checked"),
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
async function newPosting(tx: Tx, p: Posting, known: KnownAccounts, now: Date, id?: string): Promise<string> {
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
 * The posting sent with the transaction's next statement, for a caller that rolls its whole
 * transaction back on failure: no round trip of its own, and nobody reads its result, so it fails by
 * raising. A new idempotency key is required (a duplicate is a unique violation, not a replay); a
 * wallet that would go negative trips `ledger_accounts_non_negative`; a missing account raises
 * `kameng_fail('ledger_account_missing')`. `deferredFailure` (ledger.service.ts) reads those errors.
 */
export async function postDeferred(
  tx: Tx & PipeliningTx,
  p: Posting,
  known: KnownAccounts,
  now: Date,
  opts: { last?: boolean; transactionId?: string } = {},
): Promise<PostResult> {
  const transactionId = await newPosting(tx, p, known, now, opts.transactionId);
  const sql = postingSql(p, netChanges(p), transactionId, now, "deferred");
  // `last`: the posting and COMMIT leave together, and the answer means committed.
  if (opts.last) await tx.$queryRawAndCommit(sql);
  else tx.$executeRawDeferred(sql);
  return { ok: true, transactionId, replayed: false };
}

/**
 * One statement, one round trip: the transaction row, the wallet updates and the entries. "checked":
 * the row's ON CONFLICT DO NOTHING is the idempotency gate (a replay touches no balance), wallet
 * updates are guarded, and the result says what was written. "deferred": see postDeferred.
 * The entries' foreign key to the new row is checked at the end of the statement, when the row is there.
 */
function postingSql(
  p: Posting,
  net: Map<string, NetChange>,
  transactionId: string,
  now: Date,
  mode: "checked" | "deferred",
): Prisma.Sql {
  const metadata = p.metadata === null ? null : JSON.stringify(toJson(p.metadata));
  if (p.release) {
    const d = net.get(p.release.account);
    if (!d || d.balanceMode !== "CACHED")
      throw new Error("the released hold's account is not a cached leg of the posting");
    d.released += p.release.amount;
  }
  const checked = mode === "checked";
  const cached = [...net.entries()].filter(([, d]) => d.balanceMode === "CACHED");
  const summed = [...net.entries()].filter(([, d]) => d.balanceMode === "SUMMED").map(([code]) => code);
  const none = Prisma.sql`SELECT NULL::uuid AS id, NULL::text AS code, NULL::bpchar AS currency WHERE false`;
  // Everything below happens only when `ins` inserted the transaction row: a replayed key changes nothing.
  const guard = checked
    ? Prisma.sql`AND (a.allow_negative OR (a.balance + v.delta >= 0 AND a.held - v.released >= 0
          AND a.held - v.released <= a.balance + v.delta))`
    : Prisma.empty;
  const update = cached.length
    ? Prisma.sql`v(code, delta, released) AS (VALUES ${Prisma.join(
        cached.map(([code, d]) => Prisma.sql`(${code}::text, ${d.delta}::bigint, ${d.released}::bigint)`),
      )}),
    l AS MATERIALIZED (SELECT id FROM ledger_accounts
      WHERE code IN (${Prisma.join(cached.map(([code]) => code))}) AND EXISTS (SELECT 1 FROM ins)
      ORDER BY id FOR UPDATE),
    u AS (
      UPDATE ledger_accounts a SET balance = a.balance + v.delta, held = a.held - v.released
      FROM v, l
      WHERE a.id = l.id AND a.code = v.code AND a.balance_mode = 'CACHED' ${guard}
      RETURNING a.id, a.code, a.currency
    )`
    : Prisma.sql`u AS (${none})`;
  // One index probe per code, whatever the table's size: statements are planned once per connection
  // (generic plans), and a plan made while the table was small would scan it.
  const plain = summed.length
    ? Prisma.sql`s AS (SELECT a.id, a.code, a.currency FROM unnest(${summed}::text[]) AS w(code)
        CROSS JOIN LATERAL (SELECT id, code, currency FROM ledger_accounts
          WHERE code = w.code AND balance_mode = 'SUMMED' LIMIT 1) AS a
        WHERE EXISTS (SELECT 1 FROM ins))`
    : Prisma.sql`s AS (${none})`;
  const legs = p.legs.map((l, i) => Prisma.sql`(${l.account.code}::text, ${l.amount}::bigint, ${i}::int)`);
  const result = checked
    ? Prisma.sql`SELECT (SELECT count(*)::int FROM ins) AS inserted, COALESCE((SELECT array_agg(code) FROM t), '{}') AS written`
    : Prisma.sql`SELECT CASE WHEN (SELECT count(*) FROM t) = ${net.size}::int THEN 0
        ELSE kameng_fail(${ACCOUNT_MISSING}) END AS ok`;
  return Prisma.sql`WITH
    ins AS (
      INSERT INTO ledger_transactions (id, idempotency_key, request_hash, kind, reverses_id, memo, metadata, created_at)
      VALUES (${transactionId}::uuid, ${p.idempotencyKey}, ${p.requestHash}, ${p.kind}, ${p.reversesId}::uuid,
        ${p.memo}, ${metadata}::jsonb, ${now}::timestamptz)
      ${checked ? Prisma.sql`ON CONFLICT DO NOTHING` : Prisma.empty} RETURNING id
    ),
    ${update},
    ${plain},
    t AS (SELECT id, code, currency FROM u UNION ALL SELECT id, code, currency FROM s),
    e AS (
      INSERT INTO ledger_entries (transaction_id, account_id, currency, amount, created_at)
      SELECT ins.id, t.id, t.currency, x.amount, ${now}::timestamptz
      FROM (VALUES ${Prisma.join(legs)}) AS x(code, amount, ord) JOIN t ON t.code = x.code CROSS JOIN ins
      ORDER BY x.ord
    )
    ${result}`;
}

export interface NetChange {
  delta: bigint;
  released: bigint;
  allowNegative: boolean;
  balanceMode: BalanceMode;
}

/** The posting's net change per account code. */
export function netChanges(p: Pick<Posting, "legs">): Map<string, NetChange> {
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
export async function resolveExisting(tx: Tx, p: Posting): Promise<PostResult | undefined> {
  const [byKey] = await tx.$queryRaw<{ id: string; requestHash: string }[]>`SELECT id::text AS id,
      request_hash AS "requestHash" FROM ledger_transactions WHERE idempotency_key = ${p.idempotencyKey}`;
  if (byKey) {
    if (byKey.requestHash !== p.requestHash)
      throw conflict("idempotency_conflict", "this idempotency key was already used for a different posting", {
        idempotencyKey: p.idempotencyKey,
      });
    return { ok: true, transactionId: byKey.id, replayed: true };
  }
  if (p.reversesId) {
    const [rev] = await tx.$queryRaw<{ id: string }[]>`SELECT id::text AS id FROM ledger_transactions
      WHERE reverses_id = ${p.reversesId}::uuid`;
    if (rev)
      throw conflict("already_reversed", "this transaction has already been reversed", {
        transactionId: p.reversesId,
        reversalId: rev.id,
      });
  }
  return undefined;
}
