import type { CoreContext, Currency, LedgerPostingInput, SqlTxOptions } from "../shared/index.ts";
import type { StarsQuote } from "./stars-price.ts";

/** A ledger posting's answer (the ledger's `PostResult`, structurally). */
export type LedgerPostResult =
  { ok: true; transactionId: string; replayed: boolean } | { ok: false; code: "insufficient_funds"; account: string };

/**
 * What payments needs from the ledger: postings in its transaction, and the chart of accounts' codes.
 * The composition root passes the ledger itself; payments never imports it (docs/data-access.md).
 */
export interface PaymentsLedger {
  post(ctx: CoreContext, input: LedgerPostingInput, opts?: SqlTxOptions): Promise<LedgerPostResult>;
  walletCode(userId: string, currency: Currency): string;
  systemCode(name: "custody", currency: Currency): string;
}

export type PaymentProvider = "sandbox" | "wallet" | "telegram_stars";
/** REFUNDED: the provider gave the money back to the payer (recordProviderRefund); terminal. */
export type PaymentStatus = "PENDING" | "SUCCEEDED" | "FAILED" | "REFUNDED";

export interface Payment {
  id: string;
  provider: PaymentProvider;
  purpose: string;
  userId: string;
  orderId: string | null;
  currency: Currency;
  amount: bigint;
  status: PaymentStatus;
  externalId: string | null;
  ledgerTransactionId: string | null;
  /** The ledger transaction of the provider refund (`wallet −X, custody +X`), once REFUNDED. */
  refundTransactionId: string | null;
  /**
   * What the confirmation credits when it differs from the charge: a Stars charge (XTR) for an order priced
   * in CNY credits the order's total in CNY; `exchangeRate` is the Stars per major unit used. Null: the
   * payment credits its own amount and currency.
   */
  credit: PaymentCredit | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface PaymentCredit {
  amount: bigint;
  currency: Currency;
  /** Charge units per major unit of `currency`, a decimal string (e.g. "11" Stars per yuan). */
  exchangeRate: string;
}

export interface StartTopUpInput {
  userId: string;
  amount: bigint;
  currency: Currency;
  provider: "sandbox";
  /** Scoped to the user: the same key from another user is a different top-up. */
  idempotencyKey: string;
}

export interface CreatePaymentInput {
  provider: PaymentProvider;
  /** `topup` credits the wallet; `order` also credits the wallet, and `payment.succeeded` carries the orderId. */
  purpose: "topup" | "order";
  userId: string;
  orderId?: string;
  amount: bigint;
  currency: Currency;
  /** Credit this to the wallet instead of `amount`/`currency` (a charge in another currency). */
  credit?: PaymentCredit;
  /** Scoped to the user and purpose. */
  idempotencyKey: string;
}

export interface StartStarsPaymentInput {
  userId: string;
  /** The order the Stars pay for (CREATED, not yet paid). */
  orderId: string;
  /** The order's total and currency: what the wallet is credited once the Stars are charged. */
  amount: bigint;
  currency: Currency;
}

export type StartStarsPaymentResult =
  | {
      ok: true;
      /** PENDING `telegram_stars` payment: amount = Stars (XTR), credit = the order's total (unless XTR). */
      payment: Payment;
      stars: bigint;
      rate: string;
      replayed: boolean;
    }
  | { ok: false; code: "stars_unavailable" };

export interface ConfirmInput {
  provider: PaymentProvider;
  paymentId: string;
  /** The provider's id for the charge (sandbox: the event id); stored on the payment. */
  externalId: string;
  amount: bigint;
  currency: Currency;
}

export type ConfirmResult =
  | { ok: true; payment: Payment; credited: boolean; ledgerTransactionId: string }
  | {
      ok: false;
      code: "payment_not_found" | "provider_mismatch" | "amount_mismatch" | "currency_mismatch";
      payment?: Payment;
    };

export type FailResult = { ok: true; payment: Payment; changed: boolean } | { ok: false; code: "payment_not_found" };

export type SandboxWebhookResult =
  | {
      ok: true;
      /**
       * credited: the wallet was credited now; duplicate: this event id was seen before; already_succeeded:
       * the payment had been credited by another event; failed: the payment was marked failed;
       * ignored: unknown payment or a failure after success; rejected: amount/currency/provider mismatch.
       */
      outcome: "credited" | "duplicate" | "already_succeeded" | "failed" | "ignored" | "rejected";
      eventId: string;
      reason?: string;
    }
  | {
      ok: false;
      code: "missing_signature" | "invalid_signature" | "stale_timestamp" | "malformed_json" | "invalid_event";
      message: string;
    };

export interface PayFromWalletInput {
  userId: string;
  amount: bigint;
  currency: Currency;
  idempotencyKey: string;
  /** The account credited, e.g. `system:order_escrow:CNY`. */
  to: string;
  kind?: string;
  memo?: string;
  metadata?: Record<string, unknown>;
}

/** A charged Telegram Stars payment for an order (what `refundStarPayment` needs). */
export interface StarsCharge {
  paymentId: string;
  /** The payer (whose XTR wallet the charge credited). */
  userId: string;
  /** `telegram_payment_charge_id`. */
  externalId: string;
  /** The Stars charged (what Telegram gives back); currency XTR. */
  amount: bigint;
  currency: Currency;
  /** What it credited the wallet when the order was priced in another currency (and so what a refund takes back). */
  credit: PaymentCredit | null;
  /** SUCCEEDED, or REFUNDED once recordProviderRefund has booked the refund. */
  status: "SUCCEEDED" | "REFUNDED";
}

export interface ProviderRefundInput {
  paymentId: string;
  /**
   * The caller's key, kept in the ledger metadata for the audit trail. A payment is refunded at most
   * once whatever the key: the ledger posting's own key is `provider-refund:<paymentId>`, and a second
   * call (any key) is answered as a replay.
   */
  idempotencyKey: string;
}

export type ProviderRefundResult =
  | { ok: true; payment: Payment; refundTransactionId: string; replayed: boolean }
  | {
      ok: false;
      /**
       * payment_not_found: no such payment (or a `wallet` payment, which has no provider to refund);
       * not_refundable: the payment was never charged (PENDING / FAILED);
       * insufficient_funds: the payer's wallet no longer holds the amount (they spent the money that
       * came back to their wallet) — nothing was booked, and the provider must NOT refund the charge.
       */
      code: "payment_not_found" | "not_refundable" | "insufficient_funds";
      payment?: Payment;
    };

export interface SandboxDelivery {
  rawBody: string;
  /** The `X-Sandbox-Signature` header value. */
  signature: string;
}

export interface Payments {
  startTopUp(
    ctx: CoreContext,
    input: StartTopUpInput,
    opts?: SqlTxOptions,
  ): Promise<{ payment: Payment; checkoutUrl: string; replayed: boolean }>;
  /** A PENDING payment for any provider (e.g. Telegram Stars), idempotent on (purpose, user, key). */
  createPayment(
    ctx: CoreContext,
    input: CreatePaymentInput,
    opts?: SqlTxOptions,
  ): Promise<{ payment: Payment; replayed: boolean }>;
  getPayment(ctx: CoreContext, paymentId: string, opts?: SqlTxOptions): Promise<Payment | null>;
  /** The Stars price of an amount at the configured rates (rounded up), or null when Stars cannot pay that currency. */
  quoteStars(amount: bigint, currency: Currency): StarsQuote | null;
  /**
   * The PENDING Telegram Stars payment an invoice for an order is issued for: its Stars at the configured
   * rate now, crediting the order's total once charged. Idempotent per (order, rate): a changed rate makes a
   * new payment (the old invoice's pre-checkout is then refused as a changed price).
   */
  startStarsPayment(
    ctx: CoreContext,
    input: StartStarsPaymentInput,
    opts?: SqlTxOptions,
  ): Promise<StartStarsPaymentResult>;
  confirm(ctx: CoreContext, input: ConfirmInput, opts?: SqlTxOptions): Promise<ConfirmResult>;
  fail(
    ctx: CoreContext,
    input: { provider: PaymentProvider; paymentId: string },
    opts?: SqlTxOptions,
  ): Promise<FailResult>;
  handleSandboxWebhook(rawBody: string, headers: Headers): Promise<SandboxWebhookResult>;
  /** The simulated sandbox provider: a signed event for this payment, as the provider would deliver it. */
  simulateSandboxEvent(
    ctx: CoreContext,
    input: { paymentId: string; outcome: "succeeded" | "failed" },
  ): Promise<SandboxDelivery>;
  /** The `wallet` provider: pay from the user's balance (wallet −amount, `to` +amount) as one ledger posting. */
  payFromWallet(ctx: CoreContext, input: PayFromWalletInput, opts?: SqlTxOptions): Promise<LedgerPostResult>;
  /**
   * The Telegram Stars charge that paid this order: a charged (SUCCEEDED or REFUNDED) `telegram_stars`
   * payment with purpose `order` for it, or null. If several were charged, the oldest not yet refunded.
   */
  findStarsChargeForOrder(
    ctx: CoreContext,
    input: { orderId: string },
    opts?: SqlTxOptions,
  ): Promise<StarsCharge | null>;
  /**
   * Books a provider refund of a charged payment in one transaction: `wallet −X, custody +X` (the money
   * leaves customer funds, back to the payer) under ledger key `provider-refund:<paymentId>`, and the
   * payment becomes REFUNDED with its refund_transaction_id. Idempotent: a second call is a replay.
   * Call it BEFORE asking the provider to refund (e.g. `refundStarPayment`), and refund there only if it
   * returned ok: `insufficient_funds` means the buyer already spent the money, so it must not go back twice.
   */
  recordProviderRefund(
    ctx: CoreContext,
    input: ProviderRefundInput,
    opts?: SqlTxOptions,
  ): Promise<ProviderRefundResult>;
  /**
   * Money that came into the custody account through a provider (custody reconciliation): charged
   * (SUCCEEDED or REFUNDED) payments of every provider but the wallet, in `currency`, created in
   * [from, to). The bank shows them with the payment id or the provider's id in the reference.
   */
  custodyMovements(ctx: CoreContext, input: { currency: Currency; from: Date; to: Date }): Promise<CustodyInflow[]>;
}

/** A provider payment as the custody bank should show it. */
export interface CustodyInflow {
  paymentId: string;
  externalId: string | null;
  provider: PaymentProvider;
  amount: bigint;
  currency: Currency;
  at: Date;
}
