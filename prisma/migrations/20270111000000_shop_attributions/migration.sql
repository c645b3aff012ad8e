-- First-touch attribution of a buyer to a distributor's shop (docs/distribution.md "Buying in a shop"): the
-- first shop whose link (`/start shop_<id>` / `sp_…`) a buyer opened. Written once (the primary key on the
-- buyer: concurrent first touches meet on it, one wins); a removed shop takes its attributions with it.
-- CreateTable
CREATE TABLE "shop_attributions" (
    "user_id" UUID NOT NULL,
    "shop_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "shop_attributions_pkey" PRIMARY KEY ("user_id"),
    CONSTRAINT "shop_attributions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE,
    CONSTRAINT "shop_attributions_shop_id_fkey" FOREIGN KEY ("shop_id") REFERENCES "shops"("id") ON DELETE CASCADE
);

-- CreateIndex
CREATE INDEX "shop_attributions_shop_id_idx" ON "shop_attributions"("shop_id");
