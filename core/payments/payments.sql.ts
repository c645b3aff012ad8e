import { rowMap, selectList, sql, type Currency } from "../shared/index.ts";
import type { Payment } from "./payments.types.ts";

/** A payments row as read (payment-rows.ts turns it into a `Payment`). */
export type PaymentRow = Omit<Payment, "credit"> & {
  creditAmount: bigint | null;
  creditCurrency: string | null;
  exchangeRate: string | null;
};

/**
 * Every statement of the payments module (tables payments, webhook_events), run on the SqlRunner: a
 * confirmation is one transaction with its ledger posting and its outbox event.
 */

export const PAYMENT_ROW = rowMap<PaymentRow>(
  "payments",
  {
    id: { column: "id", cast: "text" },
    provider: { column: "provider" },
    purpose: { column: "purpose" },
    userId: { column: "user_id", cast: "text" },
    orderId: { column: "order_id", cast: "text" },
    currency: { column: "currency" },
    amount: { column: "amount" },
    status: { column: "status" },
    externalId: { column: "external_id" },
    ledgerTransactionId: { column: "ledger_transaction_id", cast: "text" },
    refundTransactionId: { column: "refund_transaction_id", cast: "text" },
    creditAmount: { column: "credit_amount" },
    creditCurrency: { column: "credit_currency" },
    exchangeRate: { column: "exchange_rate" },
    createdAt: { column: "created_at" },
    updatedAt: { column: "updated_at" },
  },
  // The user-scoped key a payment was created under: only the insert's conflict target reads it.
  ["idempotency_key"],
);

const PAYMENT_COLUMNS = selectList(PAYMENT_ROW, "p");

/** The payment, its row locked (FOR UPDATE) when `lock`: confirmations of one payment run one at a time. */
export const paymentSql = (id: string, lock: boolean) =>
  lock
    ? sql`SELECT ${PAYMENT_COLUMNS} FROM payments p WHERE p.id = ${id}::uuid FOR UPDATE`
    : sql`SELECT ${PAYMENT_COLUMNS} FROM payments p WHERE p.id = ${id}::uuid`;

/** A PENDING payment unless the key exists (then no row back: read it by key, in a statement of its own). */
export const insertPaymentSql = (p: {
  id: string;
  provider: string;
  purpose: string;
  userId: string;
  orderId: string | null;
  currency: Currency;
  amount: bigint;
  credit: { amount: bigint; currency: Currency; exchangeRate: string } | null;
  key: string;
  now: Date;
}) => sql`INSERT INTO payments
      (id, provider, purpose, user_id, order_id, currency, amount, status, idempotency_key, created_at, updated_at,
       credit_amount, credit_currency, exchange_rate)
    VALUES (${p.id}::uuid, ${p.provider}::text, ${p.purpose}::text, ${p.userId}::uuid, ${p.orderId}::uuid,
      ${p.currency}::bpchar, ${p.amount}::bigint, 'PENDING', ${p.key}::text, ${p.now}::timestamptz, ${p.now}::timestamptz,
      ${p.credit?.amount ?? null}::bigint, ${p.credit?.currency ?? null}::bpchar, ${p.credit?.exchangeRate ?? null}::text)
    ON CONFLICT (idempotency_key) DO NOTHING RETURNING id::text AS id`;

export const paymentIdByKeySql = (key: string) =>
  sql`SELECT id::text AS id FROM payments WHERE idempotency_key = ${key}::text`;

export const markSucceededSql = (id: string, externalId: string, ledgerTransactionId: string, now: Date) =>
  sql`UPDATE payments SET status = 'SUCCEEDED', external_id = ${externalId}::text,
      ledger_transaction_id = ${ledgerTransactionId}::uuid, updated_at = ${now}::timestamptz
    WHERE id = ${id}::uuid`;

export const markFailedSql = (id: string, now: Date) =>
  sql`UPDATE payments SET status = 'FAILED', updated_at = ${now}::timestamptz WHERE id = ${id}::uuid`;

export const markRefundedSql = (id: string, refundTransactionId: string, now: Date) =>
  sql`UPDATE payments SET status = 'REFUNDED', refund_transaction_id = ${refundTransactionId}::uuid,
      updated_at = ${now}::timestamptz WHERE id = ${id}::uuid`;

/** The charged Stars payment of an order: the oldest not yet refunded, else the oldest. */
export const starsChargeForOrderSql = (orderId: string) =>
  sql`SELECT id::text AS id FROM payments
    WHERE order_id = ${orderId}::uuid AND provider = 'telegram_stars' AND purpose = 'order'
      AND status IN ('SUCCEEDED', 'REFUNDED') AND external_id IS NOT NULL
    ORDER BY (status = 'SUCCEEDED') DESC, created_at, id LIMIT 1`;

/** Records a provider's event id once: no row back means it was seen before. */
export const recordWebhookEventSql = (source: string, eventId: string, payloadHash: string, now: Date) =>
  sql`INSERT INTO webhook_events (source, event_id, payload_hash, received_at)
    VALUES (${source}::text, ${eventId}::text, ${payloadHash}::text, ${now}::timestamptz)
    ON CONFLICT DO NOTHING RETURNING event_id AS id`;

/** Charged provider payments (not the wallet's) in a currency and period: custody reconciliation's inflows. */
export const custodyInflowsSql = (currency: string, from: Date, to: Date) => sql`
  SELECT p.id::text AS "paymentId", p.external_id AS "externalId", p.provider, p.amount, p.currency::text AS currency,
         p.created_at AS "at"
  FROM payments p
  WHERE p.currency = ${currency}::text AND p.provider <> 'wallet' AND p.status IN ('SUCCEEDED', 'REFUNDED')
    AND p.created_at >= ${from}::timestamptz AND p.created_at < ${to}::timestamptz
  ORDER BY p.created_at, p.id`;
