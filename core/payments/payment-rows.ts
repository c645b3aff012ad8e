import type { Currency, DbOrTx } from "../shared/index.ts";
import type { Payment, PaymentProvider, PaymentStatus } from "./payments.types.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (v: unknown): v is string => typeof v === "string" && UUID.test(v);

interface PaymentRow {
  id: string;
  provider: string;
  purpose: string;
  userId: string;
  orderId: string | null;
  currency: string;
  amount: bigint;
  status: string;
  externalId: string | null;
  ledgerTransactionId: string | null;
  refundTransactionId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export function toPayment(r: PaymentRow): Payment {
  return {
    id: r.id,
    provider: r.provider as PaymentProvider,
    purpose: r.purpose,
    userId: r.userId,
    orderId: r.orderId,
    currency: r.currency.trim() as Currency,
    amount: BigInt(r.amount),
    status: r.status as PaymentStatus,
    externalId: r.externalId,
    ledgerTransactionId: r.ledgerTransactionId,
    refundTransactionId: r.refundTransactionId,
    createdAt: new Date(r.createdAt),
    updatedAt: new Date(r.updatedAt),
  };
}

/** Reads a payment, optionally locking its row (FOR UPDATE) so confirmations of it run one at a time. */
export async function readPayment(db: DbOrTx, id: string, lock: boolean): Promise<Payment | null> {
  if (!isUuid(id)) return null;
  const rows = lock
    ? await db.$queryRaw<PaymentRow[]>`SELECT id::text AS id, provider, purpose, user_id::text AS "userId",
        order_id::text AS "orderId", currency, amount, status, external_id AS "externalId",
        ledger_transaction_id::text AS "ledgerTransactionId",
        refund_transaction_id::text AS "refundTransactionId", created_at AS "createdAt", updated_at AS "updatedAt"
      FROM payments WHERE id = ${id}::uuid FOR UPDATE`
    : await db.$queryRaw<PaymentRow[]>`SELECT id::text AS id, provider, purpose, user_id::text AS "userId",
        order_id::text AS "orderId", currency, amount, status, external_id AS "externalId",
        ledger_transaction_id::text AS "ledgerTransactionId",
        refund_transaction_id::text AS "refundTransactionId", created_at AS "createdAt", updated_at AS "updatedAt"
      FROM payments WHERE id = ${id}::uuid`;
  return rows[0] ? toPayment(rows[0]) : null;
}
