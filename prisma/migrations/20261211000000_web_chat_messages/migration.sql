-- The web chat's conversation per browser identity (channels/web): each message encrypted (it may hold
-- a delivered code), kept so a reload shows the conversation again.
-- CreateTable
CREATE TABLE "web_chat_messages" (
    "id" BIGSERIAL NOT NULL,
    "browser_id" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "web_chat_messages_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "web_chat_messages_browser_id_id_idx" ON "web_chat_messages"("browser_id", "id");
