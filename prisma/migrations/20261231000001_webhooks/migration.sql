-- Distributor webhooks (core/webhooks): one callback URL per distributor (its signing secret encrypted), and
-- the log of deliveries — one row per (distributor, event), its body stored without codes (the codes are
-- added, decrypted, only to the signed request), with its attempts and the receiver's last answer.
-- CreateTable
CREATE TABLE "webhook_endpoints" (
    "user_id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "secret_enc" TEXT NOT NULL,
    "set_key" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("user_id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "event_id" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    "order_id" UUID,
    "body" JSONB NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_status" INTEGER,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "last_attempt_at" TIMESTAMPTZ(3),
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "webhook_deliveries_status_check" CHECK ("status" IN ('PENDING', 'DELIVERED', 'FAILED'))
);

-- CreateIndex
CREATE UNIQUE INDEX "webhook_deliveries_user_id_event_id_key" ON "webhook_deliveries"("user_id", "event_id");
CREATE INDEX "webhook_deliveries_user_id_created_at_id_idx" ON "webhook_deliveries"("user_id", "created_at", "id");
