-- WeChat's durable outbox (channels/wechat): every message the bot will send, written before it is sent and
-- sent under the account's limits (per contact, per room, overall) by the one process logged in to WeChat.
-- `body` is encrypted (it may hold a code) and cleared once sent; sent rows are kept a day for the limits.
-- CreateTable
CREATE TABLE "wechat_outbox" (
    "id" BIGSERIAL NOT NULL,
    "chat_id" TEXT NOT NULL,
    "room" BOOLEAN NOT NULL,
    "body" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),
    "dead_at" TIMESTAMPTZ(3),

    CONSTRAINT "wechat_outbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "wechat_outbox_sent_at_idx" ON "wechat_outbox"("sent_at");

-- The sender reads what is still to send: a partial index (Prisma cannot express it).
CREATE INDEX "wechat_outbox_pending_idx" ON "wechat_outbox"("id") WHERE "sent_at" IS NULL AND "dead_at" IS NULL;
