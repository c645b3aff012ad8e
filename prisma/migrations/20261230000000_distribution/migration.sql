-- The distributor economy's core (core/distribution, docs/distribution.md): tiers as data, distributors
-- (a user with a tier, an optional L1 parent), shops, sale-price and team-price rules, referral codes and the
-- rolling sales that drive tier changes. Receivables are ledger accounts (kind RECEIVABLE, summed).

-- CreateTable
CREATE TABLE "distribution_tiers" (
    "id" TEXT NOT NULL,
    "rank" INTEGER NOT NULL,
    "name_zh" TEXT NOT NULL,
    "name_en" TEXT NOT NULL,
    "discount_bps" INTEGER NOT NULL,
    "max_levels" INTEGER NOT NULL,
    "upgrade_at" BIGINT NOT NULL,
    "withdraw_min" BIGINT NOT NULL,
    "withdraw_fee_bps" INTEGER NOT NULL,
    "withdraw_daily_limit" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "distribution_tiers_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "distribution_tiers_discount_check" CHECK ("discount_bps" BETWEEN 0 AND 10000),
    CONSTRAINT "distribution_tiers_levels_check" CHECK ("max_levels" BETWEEN 0 AND 2),
    CONSTRAINT "distribution_tiers_amounts_check" CHECK ("upgrade_at" >= 0 AND "withdraw_min" >= 0
      AND "withdraw_fee_bps" BETWEEN 0 AND 10000 AND "withdraw_daily_limit" >= 0)
);

-- CreateIndex
CREATE UNIQUE INDEX "distribution_tiers_rank_key" ON "distribution_tiers"("rank");

-- The default tiers (data: staff edit them). Amounts in CNY fen: upgrade_at is the rolling 30-day delivered
-- sales that reach the tier.
INSERT INTO "distribution_tiers" ("id", "rank", "name_zh", "name_en", "discount_bps", "max_levels", "upgrade_at",
                                  "withdraw_min", "withdraw_fee_bps", "withdraw_daily_limit") VALUES
  ('ordinary', 1, '普通代理', 'Ordinary agent', 300, 0, 0, 10000, 100, 500000),
  ('silver', 2, '银牌', 'Silver', 600, 1, 500000, 10000, 80, 2000000),
  ('gold', 3, '金牌', 'Gold', 900, 2, 2000000, 5000, 50, 5000000),
  ('core', 4, '核心运营商', 'Core operator', 1200, 2, 10000000, 5000, 0, 20000000);

-- CreateTable
CREATE TABLE "tier_product_prices" (
    "tier_id" TEXT NOT NULL,
    "product_id" UUID NOT NULL,
    "price" BIGINT NOT NULL,

    CONSTRAINT "tier_product_prices_pkey" PRIMARY KEY ("tier_id", "product_id"),
    CONSTRAINT "tier_product_prices_price_check" CHECK ("price" >= 0)
);

-- CreateTable
CREATE TABLE "distributors" (
    "user_id" UUID NOT NULL,
    "tier_id" TEXT NOT NULL,
    "parent_id" UUID,
    "tier_pinned" BOOLEAN NOT NULL DEFAULT false,
    "below_since" TIMESTAMPTZ(3),
    "tier_changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "distributors_pkey" PRIMARY KEY ("user_id"),
    CONSTRAINT "distributors_parent_check" CHECK ("parent_id" IS NULL OR "parent_id" <> "user_id")
);

-- CreateIndex
CREATE INDEX "distributors_parent_id_idx" ON "distributors"("parent_id");

-- CreateTable
CREATE TABLE "distributor_applications" (
    "user_id" UUID NOT NULL,
    "status" TEXT NOT NULL,
    "note" TEXT,
    "decided_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decided_at" TIMESTAMPTZ(3),

    CONSTRAINT "distributor_applications_pkey" PRIMARY KEY ("user_id"),
    CONSTRAINT "distributor_applications_status_check" CHECK ("status" IN ('PENDING', 'APPROVED', 'REJECTED'))
);

-- CreateTable
CREATE TABLE "shops" (
    "id" UUID NOT NULL,
    "owner_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "shops_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "shops_owner_id_idx" ON "shops"("owner_id");

-- CreateTable
-- A sale-price rule of a shop (scope SHOP, owner = the shop) or a team price of an L1 for its L2s (scope TEAM,
-- owner = the L1's user id); target 'all', 'category:<id>' or 'product:<id>' (the most specific applies).
CREATE TABLE "distribution_price_rules" (
    "scope" TEXT NOT NULL,
    "owner_id" UUID NOT NULL,
    "target" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "value" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "distribution_price_rules_pkey" PRIMARY KEY ("scope", "owner_id", "target"),
    CONSTRAINT "distribution_price_rules_scope_check" CHECK ("scope" IN ('SHOP', 'TEAM')),
    CONSTRAINT "distribution_price_rules_mode_check"
      CHECK ("mode" IN ('INHERIT', 'MARKUP_PCT', 'FIXED_OVER_COST', 'FIXED_PRICE')),
    CONSTRAINT "distribution_price_rules_value_check" CHECK ("value" >= 0)
);

-- CreateTable
CREATE TABLE "referral_codes" (
    "user_id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "referral_codes_pkey" PRIMARY KEY ("user_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "referral_codes_code_key" ON "referral_codes"("code");

-- When the referral was attributed (the reward runs for a configured period from here).
ALTER TABLE "users" ADD COLUMN "referred_at" TIMESTAMPTZ(3);

-- CreateTable
-- One row per delivered order per distributor on its chain: the rolling 30-day sales behind tier changes.
CREATE TABLE "distributor_sales" (
    "order_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "amount" BIGINT NOT NULL,
    "delivered_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "distributor_sales_pkey" PRIMARY KEY ("order_id", "user_id")
);

-- CreateIndex
CREATE INDEX "distributor_sales_user_id_delivered_at_idx" ON "distributor_sales"("user_id", "delivered_at");

-- AddForeignKey
ALTER TABLE "tier_product_prices" ADD CONSTRAINT "tier_product_prices_tier_id_fkey" FOREIGN KEY ("tier_id") REFERENCES "distribution_tiers"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "tier_product_prices" ADD CONSTRAINT "tier_product_prices_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "products"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "distributors" ADD CONSTRAINT "distributors_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "distributors" ADD CONSTRAINT "distributors_tier_id_fkey" FOREIGN KEY ("tier_id") REFERENCES "distribution_tiers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "distributors" ADD CONSTRAINT "distributors_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "distributors"("user_id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "distributor_applications" ADD CONSTRAINT "distributor_applications_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "shops" ADD CONSTRAINT "shops_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "distributors"("user_id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "referral_codes" ADD CONSTRAINT "referral_codes_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
