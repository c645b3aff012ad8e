import type { Currency, SqlExecutor } from "../shared/index.ts";
import { paymentSql, type PaymentRow } from "./payments.sql.ts";
import type { Payment, PaymentProvider, PaymentStatus } from "./payments.types.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (v: unknown): v is string => typeof v === "string" && UUID.test(v);

/** A payment as read: amounts and dates normalised whatever the driver, the char(3) currency trimmed. */
export function toPayment({ creditAmount, creditCurrency, exchangeRate, ...r }: PaymentRow): Payment {
  return {
    ...r,
    credit:
      creditAmount !== null && creditCurrency !== null && exchangeRate !== null
        ? { amount: BigInt(creditAmount), currency: creditCurrency.trim() as Currency, exchangeRate }
        : null,
    provider: r.provider as PaymentProvider,
    currency: r.currency.trim() as Currency,
    amount: BigInt(r.amount),
    status: r.status as PaymentStatus,
    createdAt: new Date(r.createdAt),
    updatedAt: new Date(r.updatedAt),
  };
}

/** Reads a payment, optionally locking its row (FOR UPDATE) so confirmations of it run one at a time. */
export async function readPayment(db: SqlExecutor, id: string, lock: boolean): Promise<Payment | null> {
  if (!isUuid(id)) return null;
  const [row] = await db.query<PaymentRow>(paymentSql(id, lock));
  return row ? toPayment(row) : null;
}
