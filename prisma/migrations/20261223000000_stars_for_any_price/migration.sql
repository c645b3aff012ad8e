-- Telegram Stars for products priced in another currency (core/payments/stars-price.ts): the payment is
-- charged in Stars (currency XTR, amount = Stars) but credits the buyer's wallet in the order's currency.
-- credit_amount/credit_currency: what the confirmation credits (and a provider refund takes back);
-- exchange_rate: the Stars per one major unit of credit_currency used, as a decimal string (e.g. '11').
-- All three NULL: the payment credits what it charged (every payment before this migration).
-- AlterTable
ALTER TABLE "payments" ADD COLUMN "credit_amount" BIGINT,
ADD COLUMN "credit_currency" CHAR(3),
ADD COLUMN "exchange_rate" TEXT;

ALTER TABLE "payments" ADD CONSTRAINT "payments_credit_complete" CHECK (
  ("credit_amount" IS NULL AND "credit_currency" IS NULL AND "exchange_rate" IS NULL)
  OR ("credit_amount" > 0 AND "credit_currency" ~ '^[A-Z]{3}$' AND "exchange_rate" ~ '^[0-9]+(\.[0-9]+)?$')
);
