-- Risk (core/risk): rules as data (versioned, each change kept), block/allow lists, and the cases that
-- record each non-allow decision with the rules that fired and the values they saw.
-- CreateTable
CREATE TABLE "risk_rules" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "condition" JSONB NOT NULL,
    "enabled" BOOLEAN NOT NULL,
    "version" INTEGER NOT NULL,
    "updated_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "risk_rules_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "risk_rules_action_check" CHECK ("action" IN ('review', 'block', 'kyc_required')),
    CONSTRAINT "risk_rules_subject_check" CHECK ("subject" IN ('order', 'topup', 'withdrawal', 'any'))
);

-- CreateTable
CREATE TABLE "risk_rule_versions" (
    "rule_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "action" TEXT NOT NULL,
    "condition" JSONB NOT NULL,
    "enabled" BOOLEAN NOT NULL,
    "changed_by" TEXT NOT NULL,
    "changed_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "risk_rule_versions_pkey" PRIMARY KEY ("rule_id", "version")
);

-- CreateTable
CREATE TABLE "risk_list_entries" (
    "id" UUID NOT NULL,
    "list" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "author" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "removed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "risk_list_entries_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "risk_list_entries_list_check" CHECK ("list" IN ('block', 'allow')),
    CONSTRAINT "risk_list_entries_kind_check" CHECK ("kind" IN ('user', 'target', 'ip', 'device'))
);

-- CreateTable
CREATE TABLE "risk_cases" (
    "id" UUID NOT NULL,
    "reference" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "subject_id" TEXT,
    "user_id" UUID,
    "outcome" TEXT NOT NULL,
    "fired" JSONB NOT NULL,
    "signals" JSONB NOT NULL,
    "status" TEXT NOT NULL,
    "decided_by" TEXT,
    "decided_at" TIMESTAMPTZ(3),
    "note" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "risk_cases_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "risk_cases_outcome_check" CHECK ("outcome" IN ('review', 'block', 'kyc_required')),
    CONSTRAINT "risk_cases_status_check" CHECK ("status" IN ('OPEN', 'APPROVED', 'REJECTED', 'EXPIRED', 'CLOSED'))
);

-- CreateIndex
CREATE UNIQUE INDEX "risk_rules_name_key" ON "risk_rules"("name");

-- CreateIndex
CREATE INDEX "risk_list_entries_kind_value_idx" ON "risk_list_entries"("kind", "value");

-- CreateIndex
CREATE UNIQUE INDEX "risk_cases_reference_key" ON "risk_cases"("reference");

-- CreateIndex
CREATE INDEX "risk_cases_subject_id_idx" ON "risk_cases"("subject_id");

-- CreateIndex
CREATE INDEX "risk_cases_status_created_at_idx" ON "risk_cases"("status", "created_at");
