-- Two-person approvals (core/approvals): a staff action above its threshold waits here until a second staff
-- member approves (then it executes once: only the one statement that moves PENDING → APPROVED runs it),
-- rejects, or it expires.
-- CreateTable
CREATE TABLE "approval_requests" (
    "id" UUID NOT NULL,
    "action" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "summary" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "target_type" TEXT,
    "target_id" TEXT,
    "requested_by" UUID,
    "requested_by_label" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "decided_by" UUID,
    "decided_at" TIMESTAMPTZ(3),
    "note" TEXT,
    "result" JSONB,
    "error" TEXT,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "executed_at" TIMESTAMPTZ(3),

    CONSTRAINT "approval_requests_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "approval_requests_status_check" CHECK ("status" IN ('PENDING', 'APPROVED', 'EXECUTED', 'FAILED', 'REJECTED', 'EXPIRED'))
);

-- CreateIndex
CREATE INDEX "approval_requests_status_expires_at_idx" ON "approval_requests"("status", "expires_at");
