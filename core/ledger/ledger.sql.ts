import { empty, join, newId, rowMap, selectList, sql, toJson, type Currency, type Sql } from "../shared/index.ts";
import type { ParsedAccountCode } from "./account-codes.ts";
import type { HoldStatus, LedgerAccount } from "./ledger.types.ts";
import type { NetChange, Posting } from "./post-transaction.ts";

/**
 * Every statement of the ledger (tables ledger_accounts, ledger_transactions, ledger_entries,
 * ledger_holds), run on the SqlRunner (docs/data-access.md). Each parameter is cast: statements are
 * prepared once per connection and planned without their values.
 */

/**
 * An account row, its balance read the way its mode keeps it: the cached column, or the sum of its
 * entries (index ledger_entries(account_id, id)) in the statement's snapshot.
 */
export const ACCOUNT_ROW = rowMap<LedgerAccount>(
  "ledger_accounts",
  {
    id: { column: "id", cast: "text" },
    code: { column: "code" },
    kind: { column: "kind" },
    ownerId: { column: "owner_id", cast: "text" },
    currency: { column: "currency" },
    balance: {
      column: "balance",
      expr: `CASE WHEN {t}.balance_mode = 'SUMMED'
        THEN (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e WHERE e.account_id = {t}.id)::bigint
        ELSE {t}.balance END`,
    },
    held: { column: "held" },
    allowNegative: { column: "allow_negative" },
    balanceMode: { column: "balance_mode" },
  },
  ["created_at"],
);

const ACCOUNT_COLUMNS = selectList(ACCOUNT_ROW, "a");

/** Inserts the missing accounts, sorted by code (two creators of the same accounts wait in one order). */
export function insertAccountsSql(accounts: readonly ParsedAccountCode[], now: Date): Sql {
  const sorted = [...accounts].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const rows = sorted.map(
    (a) =>
      sql`(${newId()}::uuid, ${a.code}::text, ${a.kind}::text, ${a.ownerId}::uuid, ${a.currency}::bpchar,
        ${a.allowNegative}::boolean, ${a.balanceMode}::text, ${now}::timestamptz)`,
  );
  return sql`INSERT INTO ledger_accounts (id, code, kind, owner_id, currency, allow_negative, balance_mode, created_at)
    VALUES ${join(rows)} ON CONFLICT (code) DO NOTHING RETURNING code`;
}

/** The accounts, rows locked in id order (every posting locks in this order: no deadlocks between them). */
export const lockAccountsSql = (codes: readonly string[]) =>
  sql`SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts a
    WHERE a.code IN (${join(codes.map((c) => sql`${c}::text`))}) ORDER BY a.id FOR UPDATE`;

export const accountSql = (code: string) =>
  sql`SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts a WHERE a.code = ${code}::text`;

/**
 * One statement, one round trip: the transaction row, the wallet updates and the entries. "checked":
 * the row's ON CONFLICT DO NOTHING is the idempotency gate (a replay touches no balance), wallet
 * updates are guarded, and the result says what was written. "deferred": see postDeferred.
 * The entries' foreign key to the new row is checked at the end of the statement, when the row is there.
 */
export function postingSql(
  p: Posting,
  net: Map<string, NetChange>,
  transactionId: string,
  now: Date,
  mode: "checked" | "deferred",
  accountMissing: string,
  /** Deferred only: no row from it → nothing is written and nothing raised (see PostOptions.onlyIf). */
  onlyIf?: Sql,
): Sql {
  if (onlyIf && mode !== "deferred") throw new Error("onlyIf is for deferred postings");
  const metadata = p.metadata === null ? null : JSON.stringify(toJson(p.metadata));
  const checked = mode === "checked";
  const cached = [...net.entries()].filter(([, d]) => d.balanceMode === "CACHED");
  const summed = [...net.entries()].filter(([, d]) => d.balanceMode === "SUMMED").map(([code]) => code);
  const none = sql`SELECT NULL::uuid AS id, NULL::text AS code, NULL::bpchar AS currency WHERE false`;
  // Everything below happens only when `ins` inserted the transaction row: a replayed key changes nothing.
  const guard = checked
    ? sql`AND (a.allow_negative OR (a.balance + v.delta >= 0 AND a.held - v.released >= 0
          AND a.held - v.released <= a.balance + v.delta))`
    : empty;
  const update = cached.length
    ? sql`v(code, delta, released) AS (VALUES ${join(
        cached.map(([code, d]) => sql`(${code}::text, ${d.delta}::bigint, ${d.released}::bigint)`),
      )}),
    l AS MATERIALIZED (SELECT id FROM ledger_accounts
      WHERE code IN (${join(cached.map(([code]) => sql`${code}::text`))}) AND EXISTS (SELECT 1 FROM ins)
      ORDER BY id FOR UPDATE),
    u AS (
      UPDATE ledger_accounts a SET balance = a.balance + v.delta, held = a.held - v.released
      FROM v, l
      WHERE a.id = l.id AND a.code = v.code AND a.balance_mode = 'CACHED' ${guard}
      RETURNING a.id, a.code, a.currency
    )`
    : sql`u AS (${none})`;
  // One index probe per code, whatever the table's size: statements are planned once per connection
  // (generic plans), and a plan made while the table was small would scan it.
  const plain = summed.length
    ? sql`s AS (SELECT a.id, a.code, a.currency FROM unnest(${summed}::text[]) AS w(code)
        CROSS JOIN LATERAL (SELECT id, code, currency FROM ledger_accounts
          WHERE code = w.code AND balance_mode = 'SUMMED' LIMIT 1) AS a
        WHERE EXISTS (SELECT 1 FROM ins))`
    : sql`s AS (${none})`;
  const legs = p.legs.map((l, i) => sql`(${l.account.code}::text, ${l.amount}::bigint, ${i}::int)`);
  const result = checked
    ? sql`SELECT (SELECT count(*)::int FROM ins) AS inserted, COALESCE((SELECT array_agg(code) FROM t), '{}') AS written`
    : sql`SELECT CASE WHEN (SELECT count(*) FROM t) = ${net.size}::int ${onlyIf ? sql`OR NOT EXISTS (SELECT 1 FROM ins)` : empty} THEN 0
        ELSE kameng_fail(${accountMissing}::text) END AS ok`;
  const row = sql`${transactionId}::uuid, ${p.idempotencyKey}::text, ${p.requestHash}::text, ${p.kind}::text,
        ${p.reversesId}::uuid, ${p.memo}::text, ${metadata}::jsonb, ${now}::timestamptz`;
  return sql`WITH
    ins AS (
      INSERT INTO ledger_transactions (id, idempotency_key, request_hash, kind, reverses_id, memo, metadata, created_at)
      ${onlyIf ? sql`SELECT ${row} WHERE EXISTS (${onlyIf})` : sql`VALUES (${row})`}
      ${checked ? sql`ON CONFLICT DO NOTHING` : empty} RETURNING id
    ),
    ${update},
    ${plain},
    t AS (SELECT id, code, currency FROM u UNION ALL SELECT id, code, currency FROM s),
    e AS (
      INSERT INTO ledger_entries (transaction_id, account_id, currency, amount, created_at)
      SELECT ins.id, t.id, t.currency, x.amount, ${now}::timestamptz
      FROM (VALUES ${join(legs)}) AS x(code, amount, ord) JOIN t ON t.code = x.code CROSS JOIN ins
      ORDER BY x.ord
    )
    ${result}`;
}

export const transactionByKeySql = (key: string) =>
  sql`SELECT id::text AS id, request_hash AS "requestHash" FROM ledger_transactions WHERE idempotency_key = ${key}::text`;

export const reversalOfSql = (transactionId: string) =>
  sql`SELECT id::text AS id FROM ledger_transactions WHERE reverses_id = ${transactionId}::uuid`;

/** The legs of a transaction, in entry order (what a reversal negates). */
export const transactionLegsSql = (transactionId: string) =>
  sql`SELECT a.code AS account, e.amount FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
    WHERE e.transaction_id = ${transactionId}::uuid ORDER BY e.id`;

export const captureTransactionSql = (transactionId: string | null) =>
  sql`SELECT idempotency_key AS key, request_hash AS "requestHash" FROM ledger_transactions
    WHERE id = ${transactionId}::uuid`;

// Holds (wallets only).

export interface HoldRow {
  id: string;
  accountId: string;
  accountCode: string;
  amount: bigint;
  status: HoldStatus;
  expiresAt: Date | null;
  captureTransactionId: string | null;
}

export const holdByKeySql = (key: string) =>
  sql`SELECT id::text AS id, request_hash AS "requestHash" FROM ledger_holds WHERE idempotency_key = ${key}::text`;

/** The hold row and the `held` bump of its account, unless the key exists. */
export const insertHoldSql = (h: {
  accountId: string;
  amount: bigint;
  idempotencyKey: string;
  requestHash: string;
  expiresAt: Date | null;
  now: Date;
}) =>
  sql`WITH h AS (
      INSERT INTO ledger_holds (id, account_id, amount, status, idempotency_key, request_hash, expires_at, created_at)
      VALUES (${newId()}::uuid, ${h.accountId}::uuid, ${h.amount}::bigint, 'ACTIVE', ${h.idempotencyKey}::text,
        ${h.requestHash}::text, ${h.expiresAt}::timestamptz, ${h.now}::timestamptz)
      ON CONFLICT (idempotency_key) DO NOTHING
      RETURNING id, account_id, amount
    )
    UPDATE ledger_accounts a SET held = a.held + h.amount FROM h WHERE a.id = h.account_id
    RETURNING h.id::text AS id`;

export const lockHoldSql = (holdId: string) =>
  sql`SELECT h.id::text AS id, h.account_id::text AS "accountId", a.code AS "accountCode", h.amount, h.status,
      h.expires_at AS "expiresAt", h.capture_transaction_id::text AS "captureTransactionId"
    FROM ledger_holds h JOIN ledger_accounts a ON a.id = h.account_id
    WHERE h.id = ${holdId}::uuid FOR UPDATE OF h`;

export const markHoldCapturedSql = (holdId: string, transactionId: string, now: Date) =>
  sql`UPDATE ledger_holds SET status = 'CAPTURED', capture_transaction_id = ${transactionId}::uuid,
      resolved_at = ${now}::timestamptz WHERE id = ${holdId}::uuid`;

export const releaseHoldSql = (holdId: string, as: "RELEASED" | "EXPIRED", now: Date) =>
  sql`WITH h AS (
      UPDATE ledger_holds SET status = ${as}::text, resolved_at = ${now}::timestamptz
      WHERE id = ${holdId}::uuid AND status = 'ACTIVE' RETURNING account_id, amount
    )
    UPDATE ledger_accounts a SET held = a.held - h.amount FROM h WHERE a.id = h.account_id`;

export const dueHoldsSql = (now: Date, limit: number) =>
  sql`SELECT id::text AS id FROM ledger_holds
    WHERE status = 'ACTIVE' AND expires_at <= ${now}::timestamptz ORDER BY expires_at LIMIT ${limit}::int`;

// check() and reconcile(): reports, each one statement.

/** Cached balances that differ from the sum of their entries. */
export const cachedMismatchSql = sql`SELECT a.code AS account, a.balance AS cached, COALESCE(e.total, 0)::bigint AS rebuilt
    FROM ledger_accounts a
    LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM ledger_entries GROUP BY account_id) e ON e.account_id = a.id
    WHERE a.balance_mode = 'CACHED' AND a.balance <> COALESCE(e.total, 0) ORDER BY a.code`;

export const summedBalancesSql = sql`SELECT a.code AS account, a.allow_negative AS "allowNegative",
      (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e WHERE e.account_id = a.id)::bigint AS balance
    FROM ledger_accounts a WHERE a.balance_mode = 'SUMMED' ORDER BY a.code`;

/** Cached `held` that differs from the sum of the account's active holds. */
export const heldMismatchSql = sql`SELECT a.code AS account, a.held AS cached, COALESCE(h.total, 0)::bigint AS rebuilt
    FROM ledger_accounts a
    LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM ledger_holds WHERE status = 'ACTIVE' GROUP BY account_id) h
      ON h.account_id = a.id
    WHERE a.held <> COALESCE(h.total, 0) ORDER BY a.code`;

/** Transactions whose entries do not balance per currency, or that have fewer than two entries. */
export const unbalancedSql = sql`SELECT transaction_id::text AS id FROM ledger_entries
      GROUP BY transaction_id, currency HAVING SUM(amount) <> 0
    UNION
    SELECT t.id::text FROM ledger_transactions t LEFT JOIN ledger_entries e ON e.transaction_id = t.id
      GROUP BY t.id HAVING COUNT(e.id) < 2`;

/** Custody and customer funds (wallets + escrow) of one currency, in one snapshot. */
export const custodySql = (currency: Currency) => sql`SELECT
      COALESCE(SUM(b.balance) FILTER (WHERE b.kind = 'CUSTODY'), 0)::bigint AS custody,
      COALESCE(SUM(b.balance) FILTER (WHERE b.kind IN ('WALLET', 'ESCROW')), 0)::bigint AS "customerFunds"
    FROM (
      SELECT a.kind, CASE WHEN a.balance_mode = 'SUMMED'
          THEN (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e WHERE e.account_id = a.id)
          ELSE a.balance END AS balance
      FROM ledger_accounts a WHERE a.currency = ${currency}::bpchar AND a.kind IN ('CUSTODY', 'WALLET', 'ESCROW')
    ) b`;

export const REPEATABLE_READ = sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`;

const STATEMENT_COLUMNS = sql`e.id, e.transaction_id::text AS "transactionId", t.kind, e.amount, e.currency::text AS currency,
  e.created_at AS "createdAt", t.metadata->>'orderId' AS "orderId", t.metadata->>'withdrawalId' AS "withdrawalId"`;

/** An account's newest entries (the `(account_id, id)` index, walked backwards). */
export const entriesSql = (code: string, limit: number) => sql`
  SELECT ${STATEMENT_COLUMNS} FROM ledger_entries e
  JOIN ledger_transactions t ON t.id = e.transaction_id
  WHERE e.account_id = (SELECT a.id FROM ledger_accounts a WHERE a.code = ${code}::text)
  ORDER BY e.id DESC LIMIT ${limit}::int`;

export const entriesBeforeSql = (code: string, beforeId: bigint, limit: number) => sql`
  SELECT ${STATEMENT_COLUMNS} FROM ledger_entries e
  JOIN ledger_transactions t ON t.id = e.transaction_id
  WHERE e.account_id = (SELECT a.id FROM ledger_accounts a WHERE a.code = ${code}::text) AND e.id < ${beforeId}::int8
  ORDER BY e.id DESC LIMIT ${limit}::int`;
