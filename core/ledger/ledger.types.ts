import type { CoreContext, Currency, Sql, SqlTxOptions } from "../shared/index.ts";

export type AccountKind =
  | "WALLET"
  | "ESCROW"
  | "CUSTODY"
  | "PLATFORM_CASH"
  | "REVENUE"
  | "SUPPLIER_PAYABLE"
  /** What a distributor owes the platform (a clawback its wallet could not cover): negative = owed. */
  | "RECEIVABLE";
export type SystemAccountName = "order_escrow" | "custody" | "platform_cash" | "revenue";
/**
 * How an account's balance is kept (column `ledger_accounts.balance_mode`, pinned to the kind by a CHECK):
 * - `CACHED` (wallets): `balance`/`held` on the account row, updated under a row lock by every posting,
 *   guarded by the posting and by the `ledger_accounts_non_negative` CHECK.
 * - `SUMMED` (every system account and supplier payable): shared by all orders, so a posting only inserts
 *   their entries and never updates or locks their row (its `balance` and `held` stay 0, by CHECK);
 *   the balance is `SUM(amount)` over the account's entries. They cannot carry holds.
 */
export type BalanceMode = "CACHED" | "SUMMED";

export interface LedgerAccount {
  id: string;
  code: string;
  kind: AccountKind;
  ownerId: string | null;
  currency: Currency;
  /** For a SUMMED account: the sum of its entries, as of this read. */
  balance: bigint;
  held: bigint;
  /** False: the balance must never be negative (enforced for CACHED accounts, verified by check() for SUMMED ones). */
  allowNegative: boolean;
  balanceMode: BalanceMode;
}

/** `amount` is what is added to the account's balance: negative debits a wallet, positive credits it. */
export interface Leg {
  account: string;
  amount: bigint;
}

export interface PostInput {
  idempotencyKey: string;
  kind: string;
  memo?: string;
  metadata?: Record<string, unknown>;
  legs: Leg[];
}

export type PostResult =
  { ok: true; transactionId: string; replayed: boolean } | { ok: false; code: "insufficient_funds"; account: string };

export interface ReverseInput {
  transactionId: string;
  idempotencyKey: string;
  reason: string;
  /**
   * A wallet the reversal debits (a commission clawed back) that can no longer cover it gives what it has;
   * the rest becomes its owner's receivable (`receivable −d`), and the platform puts that much into custody
   * (`custody −d, platform_cash +d`) so customer funds stay matched. Never a negative wallet.
   */
  shortfallToReceivable?: boolean;
}

export interface HoldInput {
  account: string;
  amount: bigint;
  idempotencyKey: string;
  expiresAt?: Date;
}

export type HoldResult =
  { ok: true; holdId: string; replayed: boolean } | { ok: false; code: "insufficient_funds"; account: string };

export interface CaptureHoldInput {
  holdId: string;
  idempotencyKey: string;
  /** Credits (positive amounts) summing to the held amount, in the held account's currency. */
  legs: Leg[];
  kind?: string;
  memo?: string;
  metadata?: Record<string, unknown>;
}

export type CaptureHoldResult = { ok: true; transactionId: string; replayed: boolean };
export type ReleaseHoldResult = { ok: true; replayed: boolean };
export type HoldStatus = "ACTIVE" | "CAPTURED" | "RELEASED" | "EXPIRED";

export interface Balance {
  balance: bigint;
  held: bigint;
  available: bigint;
}

/** One entry of an account, as its owner's statement shows it (newest first; `id` is the cursor). */
export interface StatementEntry {
  id: bigint;
  transactionId: string;
  /** The posting's kind: `topup`, `order_settlement`, `withdrawal_payout`, … */
  kind: string;
  amount: bigint;
  currency: Currency;
  createdAt: Date;
  /** What the posting was about, when it names it (its metadata's `orderId` / `withdrawalId`). */
  orderId: string | null;
  withdrawalId: string | null;
}

export interface Mismatch {
  account: string;
  cached: bigint;
  rebuilt: bigint;
}

export interface AccountBalance {
  account: string;
  balance: bigint;
}

export interface CheckResult {
  ok: boolean;
  /** Transactions whose entries do not sum to zero per currency, or that have fewer than two entries. */
  unbalanced: string[];
  /** Cached `balance` that differs from the sum of the account's entries. */
  mismatched: Mismatch[];
  /** Cached `held` that differs from the sum of the account's active holds. */
  heldMismatched: Mismatch[];
  /** Every SUMMED account with its balance rebuilt from its entries (informational). */
  summed: AccountBalance[];
  /** SUMMED accounts that must not be negative (the order escrow) but are: makes `ok` false. */
  negative: AccountBalance[];
}

export interface ReconcileResult {
  ok: boolean;
  /** The custody account's balance (an asset: ≤ 0). */
  custody: bigint;
  /** Σ wallets + order escrow (liabilities: ≥ 0). */
  customerFunds: bigint;
}

export interface PostOptions extends SqlTxOptions {
  /**
   * With `tx`: the caller rolls its whole transaction back when the posting fails (insufficient funds,
   * or a `ledger_retry` error it then retries), so no savepoint is kept to undo the posting alone.
   * An unsuccessful posting may then leave partial writes in `tx`: never commit after one.
   */
  callerRollsBackOnFailure?: boolean;
  /**
   * With `tx` and `callerRollsBackOnFailure`: the posting is sent without waiting (`tx.send`, on every
   * runner), so it rides with the transaction's next statement, and `post` answers `ok` at once. A
   * failure is raised, and surfaces as an error from the next statement awaited or the commit:
   * `deferredFailure` names it. The idempotency key must be new (a duplicate is an error, not a replay).
   */
  deferred?: boolean;
  /**
   * With `deferred`: the posting is the transaction's last statement, sent with COMMIT right behind it
   * (`tx.queryAndCommit`); `post` then answers once the transaction has committed.
   */
  last?: boolean;
  /** The new transaction's id, chosen by the caller so statements issued before the posting can name it. */
  transactionId?: string;
  /**
   * With `deferred`: a statement that must return a row for the posting to be written. When it returns
   * none, nothing is posted and nothing is raised — an earlier statement of the caller's (e.g. a claim that
   * found no stock) has already decided, and the transaction commits empty instead of failing.
   */
  onlyIf?: Sql;
}

/** The chart of accounts' codes (pure): what other modules name accounts by, through their ledger port. */
export interface AccountCodes {
  walletCode(userId: string, currency: Currency): string;
  systemCode(name: SystemAccountName, currency: Currency): string;
  supplierPayableCode(supplierId: string, currency: Currency): string;
}

/** Every call runs on the SqlRunner; `tx` is a transaction of it (the caller's). */
export interface Ledger extends AccountCodes {
  accountFor(ctx: CoreContext, code: string, currency: Currency, opts?: SqlTxOptions): Promise<LedgerAccount>;
  post(ctx: CoreContext, input: PostInput, opts?: PostOptions): Promise<PostResult>;
  reverse(ctx: CoreContext, input: ReverseInput, opts?: SqlTxOptions): Promise<PostResult>;
  hold(ctx: CoreContext, input: HoldInput, opts?: SqlTxOptions): Promise<HoldResult>;
  captureHold(ctx: CoreContext, input: CaptureHoldInput, opts?: SqlTxOptions): Promise<CaptureHoldResult>;
  releaseHold(ctx: CoreContext, input: { holdId: string }, opts?: SqlTxOptions): Promise<ReleaseHoldResult>;
  expireHolds(ctx: CoreContext, opts?: { limit?: number }): Promise<{ expired: number }>;
  balance(ctx: CoreContext, code: string, opts?: SqlTxOptions): Promise<Balance>;
  /** The account's entries, newest first: `limit` of them with ids below `beforeId` (a cursor) when given. */
  entries(ctx: CoreContext, code: string, input: { limit: number; beforeId?: bigint }): Promise<StatementEntry[]>;
  /** Runs REPEATABLE READ (one snapshot for every statement) unless in the caller's transaction. */
  check(ctx: CoreContext, opts?: SqlTxOptions): Promise<CheckResult>;
  reconcile(ctx: CoreContext, currency: Currency, opts?: SqlTxOptions): Promise<ReconcileResult>;
  /** What a deferred posting's error means: a wallet ran short, or an account was missing (retry); else undefined. */
  deferredFailure(e: unknown): "insufficient_funds" | "ledger_retry" | undefined;
}
