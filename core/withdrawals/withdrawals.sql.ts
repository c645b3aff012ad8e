import { rowMap, selectList, sql, type Currency } from "../shared/index.ts";
import type { PayoutAccount, PayoutAccountKind, Withdrawal, WithdrawalStatus } from "./withdrawals.types.ts";

/** Every statement of core/withdrawals (tables payout_accounts, withdrawals, kyc_flags). */

export const PAYOUT_ACCOUNT_ROW = rowMap<PayoutAccount>(
  "payout_accounts",
  {
    id: { column: "id", cast: "text" },
    userId: { column: "user_id", cast: "text" },
    kind: { column: "kind" },
    holderName: { column: "holder_name" },
    masked: { column: "masked" },
    createdAt: { column: "created_at" },
  },
  ["account_enc", "account_hash", "removed_at"],
);
const ACCOUNT_COLUMNS = selectList(PAYOUT_ACCOUNT_ROW, "p");

export const WITHDRAWAL_ROW = rowMap<Withdrawal>(
  "withdrawals",
  {
    id: { column: "id", cast: "text" },
    userId: { column: "user_id", cast: "text" },
    payoutAccountId: { column: "payout_account_id", cast: "text" },
    currency: { column: "currency" },
    amount: { column: "amount" },
    fee: { column: "fee" },
    status: { column: "status" },
    holdId: { column: "hold_id", cast: "text" },
    approvalId: { column: "approval_id", cast: "text" },
    payoutRef: { column: "payout_ref" },
    ledgerTransactionId: { column: "ledger_transaction_id", cast: "text" },
    reason: { column: "reason" },
    decidedBy: { column: "decided_by" },
    expiresAt: { column: "expires_at" },
    createdAt: { column: "created_at" },
    decidedAt: { column: "decided_at" },
  },
  ["idempotency_key"],
);
const COLUMNS = selectList(WITHDRAWAL_ROW, "w");

export const insertPayoutAccountSql = (a: {
  id: string;
  userId: string;
  kind: PayoutAccountKind;
  holderName: string;
  accountEnc: string;
  accountHash: string;
  masked: string;
  now: Date;
}) => sql`
  INSERT INTO payout_accounts AS p (id, user_id, kind, holder_name, account_enc, account_hash, masked, created_at)
  VALUES (${a.id}::uuid, ${a.userId}::uuid, ${a.kind}::text, ${a.holderName}::text, ${a.accountEnc}::text,
          ${a.accountHash}::text, ${a.masked}::text, ${a.now}::timestamptz)
  RETURNING ${ACCOUNT_COLUMNS}`;

/** The user's live account with this number already (adding it twice answers the first). */
export const payoutAccountByHashSql = (userId: string, hash: string) => sql`
  SELECT ${ACCOUNT_COLUMNS} FROM payout_accounts p
  WHERE p.user_id = ${userId}::uuid AND p.account_hash = ${hash}::text AND p.removed_at IS NULL`;

export const payoutAccountsSql = (userId: string) => sql`
  SELECT ${ACCOUNT_COLUMNS} FROM payout_accounts p
  WHERE p.user_id = ${userId}::uuid AND p.removed_at IS NULL ORDER BY p.created_at`;

/** A live account of the user's, with its encrypted number (for the payout call only). */
export const payoutAccountSecretSql = (id: string, userId: string) => sql`
  SELECT ${ACCOUNT_COLUMNS}, p.account_enc AS "accountEnc" FROM payout_accounts p
  WHERE p.id = ${id}::uuid AND p.user_id = ${userId}::uuid AND p.removed_at IS NULL`;

export const removePayoutAccountSql = (id: string, userId: string, now: Date) => sql`
  UPDATE payout_accounts AS p SET removed_at = ${now}::timestamptz
  WHERE p.id = ${id}::uuid AND p.user_id = ${userId}::uuid AND p.removed_at IS NULL`;

/**
 * A live account of the user's, locked for a withdrawal request's transaction: a removal (an UPDATE of the
 * row) waits for the request to commit, then sees its withdrawal; a request after a removal finds no row.
 */
export const livePayoutAccountForShareSql = (id: string, userId: string) => sql`
  SELECT ${ACCOUNT_COLUMNS} FROM payout_accounts p
  WHERE p.id = ${id}::uuid AND p.user_id = ${userId}::uuid AND p.removed_at IS NULL FOR SHARE`;

/** Withdrawals still on their way to the account (removing it now would fail their payout). */
export const openWithdrawalsToSql = (payoutAccountId: string) => sql`
  SELECT count(*)::int AS n FROM withdrawals w
  WHERE w.payout_account_id = ${payoutAccountId}::uuid AND w.status IN ('PENDING', 'PAYING')`;

export const insertWithdrawalSql = (w: Withdrawal, idempotencyKey: string) => sql`
  INSERT INTO withdrawals AS w (id, user_id, payout_account_id, currency, amount, fee, status, idempotency_key, hold_id,
                                expires_at, created_at)
  VALUES (${w.id}::uuid, ${w.userId}::uuid, ${w.payoutAccountId}::uuid, ${w.currency}::text, ${w.amount}::int8,
          ${w.fee}::int8, 'PENDING', ${idempotencyKey}::text, ${w.holdId}::uuid, ${w.expiresAt}::timestamptz,
          ${w.createdAt}::timestamptz)
  RETURNING ${COLUMNS}`;

export const withdrawalByKeySql = (userId: string, idempotencyKey: string) => sql`
  SELECT ${COLUMNS} FROM withdrawals w
  WHERE w.user_id = ${userId}::uuid AND w.idempotency_key = ${idempotencyKey}::text`;

export const withdrawalSql = (id: string) => sql`SELECT ${COLUMNS} FROM withdrawals w WHERE w.id = ${id}::uuid`;

export const lockWithdrawalSql = (id: string) =>
  sql`SELECT ${COLUMNS} FROM withdrawals w WHERE w.id = ${id}::uuid FOR UPDATE`;

/** What the user has asked to withdraw since `since` and not got back (rejected, expired, failed). */
export const usedSinceSql = (userId: string, currency: Currency, since: Date) => sql`
  SELECT COALESCE(sum(w.amount), 0)::int8 AS used FROM withdrawals w
  WHERE w.user_id = ${userId}::uuid AND w.currency = ${currency}::text AND w.created_at >= ${since}::timestamptz
    AND w.status IN ('PENDING', 'PAYING', 'PAID')`;

export const attachApprovalSql = (id: string, approvalId: string) => sql`
  UPDATE withdrawals AS w SET approval_id = ${approvalId}::uuid WHERE w.id = ${id}::uuid`;

export const startPayingSql = (id: string, by: string, now: Date) => sql`
  UPDATE withdrawals AS w SET status = 'PAYING', decided_by = ${by}::text, decided_at = ${now}::timestamptz
  WHERE w.id = ${id}::uuid AND w.status = 'PENDING'
  RETURNING ${COLUMNS}`;

export const markPaidSql = (id: string, payoutRef: string, transactionId: string) => sql`
  UPDATE withdrawals AS w SET status = 'PAID', payout_ref = ${payoutRef}::text,
         ledger_transaction_id = ${transactionId}::uuid
  WHERE w.id = ${id}::uuid AND w.status = 'PAYING'
  RETURNING ${COLUMNS}`;

/** PENDING → REJECTED/EXPIRED/CANCELLED, or PAYING → FAILED (the provider refused the payout). */
export const closeSql = (
  id: string,
  from: WithdrawalStatus,
  to: "REJECTED" | "EXPIRED" | "FAILED" | "CANCELLED",
  reason: string,
  by: string,
  now: Date,
) => sql`
  UPDATE withdrawals AS w SET status = ${to}::text, reason = ${reason}::text,
         decided_by = COALESCE(w.decided_by, ${by}::text), decided_at = COALESCE(w.decided_at, ${now}::timestamptz)
  WHERE w.id = ${id}::uuid AND w.status = ${from}::text
  RETURNING ${COLUMNS}`;

export const dueSql = (now: Date, limit: number) => sql`
  SELECT w.id::text AS id FROM withdrawals w
  WHERE w.status = 'PENDING' AND w.expires_at <= ${now}::timestamptz ORDER BY w.expires_at LIMIT ${limit}::int`;

/** PAYING withdrawals whose payout answer was unknown, asked last before `before` (oldest first). */
export const payingDueSql = (before: Date, limit: number) => sql`
  SELECT w.id::text AS id, w.decided_by AS "decidedBy" FROM withdrawals w
  WHERE w.status = 'PAYING' AND w.decided_at <= ${before}::timestamptz ORDER BY w.decided_at LIMIT ${limit}::int`;

export const listByUserSql = (userId: string, limit: number) => sql`
  SELECT ${COLUMNS} FROM withdrawals w WHERE w.user_id = ${userId}::uuid
  ORDER BY w.created_at DESC, w.id DESC LIMIT ${limit}::int`;

export const listByStatusSql = (status: WithdrawalStatus, limit: number) => sql`
  SELECT ${COLUMNS} FROM withdrawals w WHERE w.status = ${status}::text
  ORDER BY w.created_at, w.id LIMIT ${limit}::int`;

export const listAllSql = (limit: number) => sql`
  SELECT ${COLUMNS} FROM withdrawals w ORDER BY w.created_at DESC, w.id DESC LIMIT ${limit}::int`;

export const setKycSql = (userId: string, verified: boolean, by: string, now: Date) => sql`
  INSERT INTO kyc_flags (user_id, verified, set_by, set_at)
  VALUES (${userId}::uuid, ${verified}::boolean, ${by}::text, ${now}::timestamptz)
  ON CONFLICT (user_id) DO UPDATE SET verified = EXCLUDED.verified, set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at`;

export const kycSql = (userId: string) => sql`SELECT k.verified FROM kyc_flags k WHERE k.user_id = ${userId}::uuid`;
