-- Withdrawals (core/withdrawals): a user's payout accounts (the account number encrypted, a keyed hash for
-- dedupe, a masked form to show), their withdrawal requests (each one ledger hold on the wallet until it is
-- paid out, rejected or expired), and the default KYC port's flag that staff set until core/kyc lands.
-- CreateTable
CREATE TABLE "payout_accounts" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "holder_name" TEXT NOT NULL,
    "account_enc" TEXT NOT NULL,
    "account_hash" TEXT NOT NULL,
    "masked" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "removed_at" TIMESTAMPTZ(3),

    CONSTRAINT "payout_accounts_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "payout_accounts_kind_check" CHECK ("kind" IN ('bank_card', 'alipay'))
);

-- CreateIndex
CREATE INDEX "payout_accounts_user_id_idx" ON "payout_accounts"("user_id");

-- CreateTable
CREATE TABLE "withdrawals" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "payout_account_id" UUID NOT NULL,
    "currency" TEXT NOT NULL,
    "amount" BIGINT NOT NULL,
    "fee" BIGINT NOT NULL,
    "status" TEXT NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "hold_id" UUID NOT NULL,
    "approval_id" UUID,
    "payout_ref" TEXT,
    "ledger_transaction_id" UUID,
    "reason" TEXT,
    "decided_by" TEXT,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "decided_at" TIMESTAMPTZ(3),

    CONSTRAINT "withdrawals_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "withdrawals_payout_account_id_fkey" FOREIGN KEY ("payout_account_id") REFERENCES "payout_accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "withdrawals_status_check" CHECK ("status" IN ('PENDING', 'PAYING', 'PAID', 'REJECTED', 'EXPIRED', 'FAILED')),
    CONSTRAINT "withdrawals_amounts_check" CHECK ("amount" > 0 AND "fee" >= 0 AND "fee" < "amount")
);

-- CreateIndex
CREATE UNIQUE INDEX "withdrawals_user_id_idempotency_key_key" ON "withdrawals"("user_id", "idempotency_key");
CREATE INDEX "withdrawals_user_id_created_at_idx" ON "withdrawals"("user_id", "created_at");
CREATE INDEX "withdrawals_status_expires_at_idx" ON "withdrawals"("status", "expires_at");

-- CreateTable
CREATE TABLE "kyc_flags" (
    "user_id" UUID NOT NULL,
    "verified" BOOLEAN NOT NULL,
    "set_by" TEXT NOT NULL,
    "set_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "kyc_flags_pkey" PRIMARY KEY ("user_id")
);
