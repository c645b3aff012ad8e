-- Staff accounts (core/staff): an operator is a user with a role, bound to the chat accounts they work from
-- (a Slack user id and/or a Telegram user id). A chat sender is a staff actor only through this table.
-- CreateTable
CREATE TABLE "staff_members" (
    "user_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "slack_user_id" TEXT,
    "telegram_user_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "staff_members_pkey" PRIMARY KEY ("user_id"),
    CONSTRAINT "staff_members_role_check" CHECK ("role" IN ('owner', 'admin', 'operator', 'finance', 'support', 'viewer'))
);

-- CreateIndex
CREATE UNIQUE INDEX "staff_members_slack_user_id_key" ON "staff_members"("slack_user_id");

-- CreateIndex
CREATE UNIQUE INDEX "staff_members_telegram_user_id_key" ON "staff_members"("telegram_user_id");

-- AddForeignKey
ALTER TABLE "staff_members" ADD CONSTRAINT "staff_members_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
