-- Real-name verification (core/kyc): name and ID number sealed with AES-GCM, a keyed hash of the ID number for
-- dedupe, masked forms for staff. One PENDING/VERIFIED submission per user; one VERIFIED account per ID number
-- unless staff approved it as shared (an override).
-- CreateTable
CREATE TABLE "kyc_submissions" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "status" TEXT NOT NULL,
    "name_enc" TEXT NOT NULL,
    "id_number_enc" TEXT NOT NULL,
    "id_hash" TEXT NOT NULL,
    "id_masked" TEXT NOT NULL,
    "name_masked" TEXT NOT NULL,
    "region_code" CHAR(6) NOT NULL,
    "region_name" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "provider_ref" TEXT,
    "provider_result" TEXT NOT NULL,
    "duplicate_of" UUID,
    "shared" BOOLEAN NOT NULL DEFAULT false,
    "reason" TEXT,
    "decided_by" UUID,
    "decided_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "kyc_submissions_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "kyc_submissions_status_check" CHECK ("status" IN ('PENDING', 'VERIFIED', 'REJECTED')),
    CONSTRAINT "kyc_submissions_provider_result_check" CHECK ("provider_result" IN ('match', 'mismatch', 'unavailable'))
);

-- CreateIndex
CREATE INDEX "kyc_submissions_user_id_idx" ON "kyc_submissions"("user_id");
CREATE INDEX "kyc_submissions_id_hash_idx" ON "kyc_submissions"("id_hash");
CREATE INDEX "kyc_submissions_status_created_at_idx" ON "kyc_submissions"("status", "created_at");
CREATE UNIQUE INDEX "kyc_submissions_one_open_per_user" ON "kyc_submissions"("user_id") WHERE "status" IN ('PENDING', 'VERIFIED');
CREATE UNIQUE INDEX "kyc_submissions_one_account_per_id" ON "kyc_submissions"("id_hash") WHERE "status" = 'VERIFIED' AND NOT "shared";
