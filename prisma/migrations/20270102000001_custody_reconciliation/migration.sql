-- Custody reconciliation (core/custody): bank statement files and their lines (a line hash makes a re-import
-- change nothing), each line matched at most once to a payment or payout; the scheduled ledger check's results.
-- CreateTable
CREATE TABLE "custody_statements" (
    "id" UUID NOT NULL,
    "file_hash" TEXT NOT NULL,
    "source_name" TEXT NOT NULL,
    "encoding" TEXT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "line_count" INTEGER NOT NULL,
    "new_lines" INTEGER NOT NULL,
    "imported_by" TEXT NOT NULL,
    "imported_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "custody_statements_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "custody_statement_lines" (
    "id" UUID NOT NULL,
    "statement_id" UUID NOT NULL,
    "line_hash" TEXT NOT NULL,
    "line_no" INTEGER NOT NULL,
    "booked_at" TIMESTAMPTZ(3) NOT NULL,
    "amount" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "reference" TEXT NOT NULL,
    "counterparty" TEXT NOT NULL,
    "bank_serial" TEXT,
    "matched_type" TEXT,
    "matched_id" TEXT,
    "matched_at" TIMESTAMPTZ(3),

    CONSTRAINT "custody_statement_lines_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "custody_statement_lines_amount_check" CHECK ("amount" <> 0),
    CONSTRAINT "custody_statement_lines_matched_type_check" CHECK ("matched_type" IS NULL OR "matched_type" IN ('payment', 'payout'))
);

CREATE TABLE "custody_checks" (
    "id" UUID NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "ok" BOOLEAN NOT NULL,
    "custody" BIGINT NOT NULL,
    "customer_funds" BIGINT NOT NULL,
    "checked_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "custody_checks_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "custody_statements_file_hash_key" ON "custody_statements"("file_hash");
CREATE UNIQUE INDEX "custody_statement_lines_line_hash_key" ON "custody_statement_lines"("line_hash");
CREATE INDEX "custody_statement_lines_statement_id_idx" ON "custody_statement_lines"("statement_id");
CREATE INDEX "custody_statement_lines_currency_booked_at_idx" ON "custody_statement_lines"("currency", "booked_at");
CREATE UNIQUE INDEX "custody_statement_lines_one_line_per_movement" ON "custody_statement_lines"("matched_type", "matched_id") WHERE "matched_id" IS NOT NULL;
CREATE INDEX "custody_checks_currency_checked_at_idx" ON "custody_checks"("currency", "checked_at");
