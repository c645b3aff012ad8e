-- Alerts to the staff channel (core/alerts): one OPEN alert per subject (`low_stock:<product id>`,
-- `breaker:<supplier id>`, `ledger:check` …), re-notified at most every N minutes while it holds, RESOLVED
-- (and said so) when its check stops firing. Each notification is an outbox event (`staff.alert`) written in
-- the same transaction, so exactly the changes that happened reach the staff channel.
-- CreateTable
CREATE TABLE "staff_alerts" (
    "id" UUID NOT NULL,
    "subject" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "details" JSONB NOT NULL,
    "opened_at" TIMESTAMPTZ(3) NOT NULL,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "last_notified_at" TIMESTAMPTZ(3) NOT NULL,
    "notified_count" INTEGER NOT NULL DEFAULT 1,
    "resolved_at" TIMESTAMPTZ(3),

    CONSTRAINT "staff_alerts_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "staff_alerts_status_check" CHECK ("status" IN ('OPEN', 'RESOLVED')),
    CONSTRAINT "staff_alerts_severity_check" CHECK ("severity" IN ('warning', 'critical'))
);

-- One open alert per subject (the dedupe: concurrent raises of one subject meet on this index).
CREATE UNIQUE INDEX "staff_alerts_open_subject_key" ON "staff_alerts"("subject") WHERE "status" = 'OPEN';
CREATE INDEX "staff_alerts_status_kind_idx" ON "staff_alerts"("status", "kind");
