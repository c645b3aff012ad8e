-- Group shops (docs/distribution.md "Group shops"): a chat group bound to a distributor's shop. One group
-- shows one shop; a shop may be shown in several groups.

-- CreateTable
CREATE TABLE "group_shops" (
    "channel" TEXT NOT NULL,
    "chat_id" TEXT NOT NULL,
    "shop_id" UUID NOT NULL,
    "bound_by" UUID NOT NULL,
    "bound_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sales_feed" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "group_shops_pkey" PRIMARY KEY ("channel","chat_id")
);

-- CreateIndex
CREATE INDEX "group_shops_shop_id_idx" ON "group_shops"("shop_id");
