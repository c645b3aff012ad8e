import type { AuditRecordPort, CoreContext, Currency, LedgerPostingInput, SqlTx } from "../shared/index.ts";

export const PAYOUT_ACCOUNT_KINDS = ["bank_card", "alipay"] as const;
export type PayoutAccountKind = (typeof PAYOUT_ACCOUNT_KINDS)[number];

/** A payout account as anyone sees it: the number only masked (`6222 **** **** 1234`, `ab***@example.com`). */
export interface PayoutAccount {
  id: string;
  userId: string;
  kind: PayoutAccountKind;
  holderName: string;
  masked: string;
  createdAt: Date;
}

export const WITHDRAWAL_STATUSES = ["PENDING", "PAYING", "PAID", "REJECTED", "EXPIRED", "FAILED", "CANCELLED"] as const;
export type WithdrawalStatus = (typeof WITHDRAWAL_STATUSES)[number];

export interface Withdrawal {
  id: string;
  userId: string;
  payoutAccountId: string;
  currency: Currency;
  /** Taken from the wallet (held until paid out, rejected or expired). */
  amount: bigint;
  /** Kept by the platform out of `amount`: the payee receives `amount − fee`. */
  fee: bigint;
  status: WithdrawalStatus;
  holdId: string;
  approvalId: string | null;
  payoutRef: string | null;
  ledgerTransactionId: string | null;
  reason: string | null;
  decidedBy: string | null;
  expiresAt: Date;
  createdAt: Date;
  decidedAt: Date | null;
}

/** What the rules are for one user (filled by the composition root: config today, tiers later). */
export interface WithdrawalRules {
  allowed: boolean;
  /** Why not, when not allowed (shown to the user). */
  refusal?: string;
  /** Minor units. */
  minAmount: bigint;
  /** The fee for `amount` (minor units, < amount). */
  fee(amount: bigint): bigint;
  /** The most one user may withdraw per day (minor units), requests not rejected/expired/failed counted. */
  dailyLimit: bigint;
  /** The fee's rate in basis points, for display (what `fee` computes, rounded up); absent: not a flat rate. */
  feeBps?: number;
}

/** The rules as they stand for one user today, for a screen (nothing is held). */
export interface WithdrawalTerms {
  kycVerified: boolean;
  allowed: boolean;
  refusal?: string;
  minAmount: bigint;
  feeBps?: number;
  dailyLimit: bigint;
  /** Requested today (China day) and not given back (rejected, expired, failed, cancelled). */
  usedToday: bigint;
}

/** A dry run of `request` (no hold): the fee and what arrives, or the refusal `request` would give now. */
export type PreviewWithdrawalResult =
  { ok: true; amount: bigint; fee: bigint; net: bigint } | Exclude<RequestWithdrawalResult, { ok: true }>;

/** Port: who may withdraw and on what terms (distribution tiers fill it later). */
export interface WithdrawalPolicy {
  rulesFor(ctx: CoreContext, userId: string, currency: Currency): Promise<WithdrawalRules>;
}

/** Port: is the user real-name verified (the default reads `kyc_flags`; core/kyc provides a real one). */
export interface KycCheck {
  isVerified(ctx: CoreContext, userId: string): Promise<boolean>;
}

/** What the payee's account gets, handed to the payout provider (decrypted only for this call). */
export interface PayoutInstruction {
  /** The provider dedupes on it: the withdrawal id. */
  reference: string;
  kind: PayoutAccountKind;
  account: string;
  holderName: string;
  amount: bigint;
  currency: Currency;
}

export type PayoutOutcome =
  | { status: "paid"; providerRef: string }
  | { status: "failed"; reason: string }
  /** Timed out or the provider could not say: the payout stays PAYING and is asked again (same reference). */
  | { status: "unknown"; reason: string };

/** Port: moves money out of custody to the payee (a bank/Alipay payout API; a sandbox today). */
export interface PayoutProvider {
  readonly name: string;
  pay(instruction: PayoutInstruction): Promise<PayoutOutcome>;
}

/** The ledger, as withdrawals use it (core/ledger). */
export interface WithdrawalsLedger {
  walletCode(userId: string, currency: Currency): string;
  systemCode(name: "custody" | "platform_cash" | "revenue", currency: Currency): string;
  hold(
    ctx: CoreContext,
    input: { account: string; amount: bigint; idempotencyKey: string },
    opts?: { tx?: SqlTx },
  ): Promise<
    { ok: true; holdId: string; replayed: boolean } | { ok: false; code: "insufficient_funds"; account: string }
  >;
  captureHold(
    ctx: CoreContext,
    input: {
      holdId: string;
      idempotencyKey: string;
      legs: Array<{ account: string; amount: bigint }>;
      kind?: string;
      memo?: string;
      metadata?: Record<string, unknown>;
    },
    opts?: { tx?: SqlTx },
  ): Promise<{ ok: true; transactionId: string; replayed: boolean }>;
  releaseHold(ctx: CoreContext, input: { holdId: string }, opts?: { tx?: SqlTx }): Promise<unknown>;
  post(ctx: CoreContext, input: LedgerPostingInput, opts?: { tx?: SqlTx }): Promise<{ ok: boolean }>;
}

/** The audit trail, as withdrawals use it (core/audit's `record`). */
export type WithdrawalsAudit = AuditRecordPort;

export interface RequestWithdrawalInput {
  userId: string;
  payoutAccountId: string;
  amount: bigint;
  currency: Currency;
  /** The caller's key: the same request again answers the same withdrawal. */
  idempotencyKey: string;
}

export type RequestWithdrawalResult =
  | { ok: true; withdrawal: Withdrawal; replayed: boolean }
  | { ok: false; code: "kyc_required" }
  | { ok: false; code: "not_allowed"; message: string }
  | { ok: false; code: "below_minimum"; minAmount: bigint }
  | { ok: false; code: "daily_limit"; dailyLimit: bigint; usedToday: bigint }
  | { ok: false; code: "insufficient_funds" };

export type PayWithdrawalResult =
  | { ok: true; withdrawal: Withdrawal }
  | { ok: false; code: "payout_failed" | "payout_unknown"; withdrawal: Withdrawal; reason: string };

export interface Withdrawals {
  addPayoutAccount(
    ctx: CoreContext,
    input: { userId: string; kind: PayoutAccountKind; account: string; holderName: string },
  ): Promise<PayoutAccount>;
  payoutAccounts(ctx: CoreContext, input: { userId: string }): Promise<PayoutAccount[]>;
  removePayoutAccount(ctx: CoreContext, input: { userId: string; payoutAccountId: string }): Promise<void>;
  request(ctx: CoreContext, input: RequestWithdrawalInput): Promise<RequestWithdrawalResult>;
  /** Records which approval request decides the withdrawal. */
  attachApproval(ctx: CoreContext, input: { withdrawalId: string; approvalId: string }): Promise<void>;
  get(ctx: CoreContext, input: { withdrawalId: string }): Promise<Withdrawal>;
  list(ctx: CoreContext, input: { userId?: string; status?: WithdrawalStatus; limit?: number }): Promise<Withdrawal[]>;
  /** Staff decided to pay (checked by the caller: core/flows' `withdrawals.pay` action): exactly once. */
  pay(ctx: CoreContext, input: { withdrawalId: string; decidedBy: string }): Promise<PayWithdrawalResult>;
  /** The rules for one user now (KYC, minimum, fee rate, daily limit and what today's requests used). */
  terms(ctx: CoreContext, input: { userId: string; currency: Currency }): Promise<WithdrawalTerms>;
  /**
   * `request` without the hold: KYC, policy, minimum, fee, daily limit (read now, not under the wallet's
   * lock — `request` checks again) and the wallet's available balance when `available` is given.
   */
  preview(
    ctx: CoreContext,
    input: { userId: string; amount: bigint; currency: Currency; available?: bigint },
  ): Promise<PreviewWithdrawalResult>;
  /** The owner takes back a PENDING request: the hold is released, exactly once (`changed` false otherwise). */
  cancel(
    ctx: CoreContext,
    input: { userId: string; withdrawalId: string },
  ): Promise<{ changed: boolean; withdrawal: Withdrawal }>;
  /** Rejected or expired: the hold is released, exactly once. */
  close(
    ctx: CoreContext,
    input: { withdrawalId: string; as: "REJECTED" | "EXPIRED"; reason: string; decidedBy: string },
  ): Promise<{ changed: boolean; withdrawal: Withdrawal }>;
  /** PENDING withdrawals past their expiry: closed as EXPIRED (the sweeper job). */
  expireDue(ctx: CoreContext, opts?: { limit?: number }): Promise<{ expired: number }>;
  /**
   * PAYING withdrawals (the provider's answer was lost) at least `olderThanMs` since their decision: asked
   * again with the same reference, so a payout the provider made is recorded and one it refused fails.
   */
  retryUnknownPayouts(
    ctx: CoreContext,
    opts?: { olderThanMs?: number; limit?: number },
  ): Promise<{ paid: number; failed: number; unknown: number }>;
  /** The default KycCheck's flag, set by staff. */
  setKycVerified(ctx: CoreContext, input: { userId: string; verified: boolean }): Promise<void>;
  kycVerified(ctx: CoreContext, input: { userId: string }): Promise<boolean>;
}
