import { rowMap, selectList, sql } from "../shared/index.ts";
import type {
  Distributor,
  DistributorApplication,
  DistributorShop,
  DistributionPriceRule,
  Tier,
} from "./distribution.types.ts";

/** Every statement of core/distribution (docs/distribution.md). */

export const TIER_ROW = rowMap<Tier>(
  "distribution_tiers",
  {
    id: { column: "id" },
    rank: { column: "rank" },
    nameZh: { column: "name_zh" },
    nameEn: { column: "name_en" },
    discountBps: { column: "discount_bps" },
    maxLevels: { column: "max_levels" },
    upgradeAt: { column: "upgrade_at" },
    withdrawMin: { column: "withdraw_min" },
    withdrawFeeBps: { column: "withdraw_fee_bps" },
    withdrawDailyLimit: { column: "withdraw_daily_limit" },
  },
  ["updated_at"],
);
const TIER = selectList(TIER_ROW, "t");

export const DISTRIBUTOR_ROW = rowMap<Distributor>("distributors", {
  userId: { column: "user_id", cast: "text" },
  tierId: { column: "tier_id" },
  parentId: { column: "parent_id", cast: "text" },
  tierPinned: { column: "tier_pinned" },
  belowSince: { column: "below_since" },
  tierChangedAt: { column: "tier_changed_at" },
  createdAt: { column: "created_at" },
});
const DIST = selectList(DISTRIBUTOR_ROW, "d");

export const SHOP_ROW = rowMap<DistributorShop>("shops", {
  id: { column: "id", cast: "text" },
  ownerId: { column: "owner_id", cast: "text" },
  name: { column: "name" },
  createdAt: { column: "created_at" },
});
const SHOP = selectList(SHOP_ROW, "s");

export const RULE_ROW = rowMap<DistributionPriceRule>(
  "distribution_price_rules",
  {
    scope: { column: "scope" },
    ownerId: { column: "owner_id", cast: "text" },
    target: { column: "target" },
    mode: { column: "mode" },
    value: { column: "value" },
  },
  ["updated_at"],
);
const RULE = selectList(RULE_ROW, "r");

export const APPLICATION_ROW = rowMap<DistributorApplication>("distributor_applications", {
  userId: { column: "user_id", cast: "text" },
  status: { column: "status" },
  note: { column: "note" },
  decidedBy: { column: "decided_by" },
  createdAt: { column: "created_at" },
  decidedAt: { column: "decided_at" },
});
const APP = selectList(APPLICATION_ROW, "a");

// Tiers.

export const tiersSql = () => sql`SELECT ${TIER} FROM distribution_tiers t ORDER BY t.rank`;
export const tierSql = (id: string) => sql`SELECT ${TIER} FROM distribution_tiers t WHERE t.id = ${id}::text`;

export const updateTierSql = (t: Tier, now: Date) => sql`
  UPDATE distribution_tiers t SET name_zh = ${t.nameZh}::text, name_en = ${t.nameEn}::text,
    discount_bps = ${t.discountBps}::int, max_levels = ${t.maxLevels}::int, upgrade_at = ${t.upgradeAt}::bigint,
    withdraw_min = ${t.withdrawMin}::bigint, withdraw_fee_bps = ${t.withdrawFeeBps}::int,
    withdraw_daily_limit = ${t.withdrawDailyLimit}::bigint, updated_at = ${now}::timestamptz
  WHERE t.id = ${t.id}::text RETURNING ${TIER}`;

export const setTierPriceSql = (tierId: string, productId: string, price: bigint) => sql`
  INSERT INTO tier_product_prices (tier_id, product_id, price) VALUES (${tierId}::text, ${productId}::uuid, ${price}::bigint)
  ON CONFLICT (tier_id, product_id) DO UPDATE SET price = EXCLUDED.price`;
export const clearTierPriceSql = (tierId: string, productId: string) => sql`
  DELETE FROM tier_product_prices WHERE tier_id = ${tierId}::text AND product_id = ${productId}::uuid`;

// Distributors.

export const distributorSql = (userId: string) =>
  sql`SELECT ${DIST} FROM distributors d WHERE d.user_id = ${userId}::uuid`;
export const distributorForUpdateSql = (userId: string) =>
  sql`SELECT ${DIST} FROM distributors d WHERE d.user_id = ${userId}::uuid FOR UPDATE`;

export const listDistributorsSql = (tierId: string | null, limit: number) => sql`
  SELECT ${DIST} FROM distributors d WHERE (${tierId}::text IS NULL OR d.tier_id = ${tierId}::text)
  ORDER BY d.created_at, d.user_id LIMIT ${limit}::int`;

export const teamSql = (l1: string) =>
  sql`SELECT ${DIST} FROM distributors d WHERE d.parent_id = ${l1}::uuid ORDER BY d.created_at, d.user_id`;

/** A new distributor (the user must exist); nothing when it already is one. */
export const insertDistributorSql = (userId: string, tierId: string, parentId: string | null, now: Date) => sql`
  INSERT INTO distributors AS d (user_id, tier_id, parent_id, tier_changed_at, created_at)
  SELECT u.id, ${tierId}::text, ${parentId}::uuid, ${now}::timestamptz, ${now}::timestamptz
  FROM users u WHERE u.id = ${userId}::uuid
  ON CONFLICT (user_id) DO NOTHING
  RETURNING ${DIST}`;

/** Staff set the tier (and the pin); returns the row before and after. */
export const setTierSql = (userId: string, tierId: string, pinned: boolean | null, now: Date) => sql`
  WITH old AS (SELECT tier_id FROM distributors WHERE user_id = ${userId}::uuid FOR UPDATE)
  UPDATE distributors d SET tier_id = ${tierId}::text, tier_pinned = COALESCE(${pinned}::boolean, d.tier_pinned),
    below_since = NULL,
    tier_changed_at = CASE WHEN d.tier_id = ${tierId}::text THEN d.tier_changed_at ELSE ${now}::timestamptz END
  FROM old WHERE d.user_id = ${userId}::uuid
  RETURNING old.tier_id AS "fromTier", ${DIST}`;

export const setPinnedSql = (userId: string, pinned: boolean) => sql`
  UPDATE distributors d SET tier_pinned = ${pinned}::boolean WHERE d.user_id = ${userId}::uuid RETURNING ${DIST}`;

/** An L2 joins its L1's team: only a distributor without an L1 and without a team of its own. */
export const setParentSql = (userId: string, parentId: string) => sql`
  UPDATE distributors d SET parent_id = ${parentId}::uuid
  WHERE d.user_id = ${userId}::uuid AND d.parent_id IS NULL
    AND NOT EXISTS (SELECT 1 FROM distributors c WHERE c.parent_id = d.user_id)
  RETURNING ${DIST}`;

// Applications.

/** Applying again after a rejection re-opens the application; a pending or approved one is left as is. */
export const applySql = (userId: string, now: Date) => sql`
  INSERT INTO distributor_applications AS a (user_id, status, created_at)
  VALUES (${userId}::uuid, 'PENDING', ${now}::timestamptz)
  ON CONFLICT (user_id) DO UPDATE SET status = 'PENDING', created_at = EXCLUDED.created_at, note = NULL,
    decided_by = NULL, decided_at = NULL
  WHERE a.status = 'REJECTED'
  RETURNING ${APP}`;

export const applicationSql = (userId: string) =>
  sql`SELECT ${APP} FROM distributor_applications a WHERE a.user_id = ${userId}::uuid`;

/** Who referred the user (`/start ref_…`, core/identity): an approved applicant joins that L1's team if it can lead one. */
export const referrerOfSql = (userId: string) =>
  sql`SELECT u.referred_by::text AS "referredBy" FROM users u WHERE u.id = ${userId}::uuid`;

export const pendingApplicationsSql = (limit: number) => sql`
  SELECT ${APP} FROM distributor_applications a WHERE a.status = 'PENDING' ORDER BY a.created_at LIMIT ${limit}::int`;

export const decideApplicationSql = (
  userId: string,
  status: "APPROVED" | "REJECTED",
  by: string,
  note: string | null,
  now: Date,
) => sql`
  UPDATE distributor_applications a SET status = ${status}::text, decided_by = ${by}::text, note = ${note}::text,
    decided_at = ${now}::timestamptz
  WHERE a.user_id = ${userId}::uuid AND a.status = 'PENDING' RETURNING ${APP}`;

// Shops and rules.

export const insertShopSql = (id: string, ownerId: string, name: string, now: Date) => sql`
  INSERT INTO shops AS s (id, owner_id, name, created_at)
  VALUES (${id}::uuid, ${ownerId}::uuid, ${name}::text, ${now}::timestamptz) RETURNING ${SHOP}`;
export const shopSql = (id: string) => sql`SELECT ${SHOP} FROM shops s WHERE s.id = ${id}::uuid`;
export const shopsOfSql = (ownerId: string) =>
  sql`SELECT ${SHOP} FROM shops s WHERE s.owner_id = ${ownerId}::uuid ORDER BY s.created_at, s.id`;

export const upsertRuleSql = (r: DistributionPriceRule, now: Date) => sql`
  INSERT INTO distribution_price_rules AS r (scope, owner_id, target, mode, value, updated_at)
  VALUES (${r.scope}::text, ${r.ownerId}::uuid, ${r.target}::text, ${r.mode}::text, ${r.value}::bigint,
          ${now}::timestamptz)
  ON CONFLICT (scope, owner_id, target) DO UPDATE SET mode = EXCLUDED.mode, value = EXCLUDED.value,
    updated_at = EXCLUDED.updated_at
  RETURNING ${RULE}`;

export const rulesSql = (scope: string, ownerId: string) => sql`
  SELECT ${RULE} FROM distribution_price_rules r WHERE r.scope = ${scope}::text AND r.owner_id = ${ownerId}::uuid
  ORDER BY r.target`;

/** Products a rule target covers, with what the owner's cost depends on. */
export const productsForTargetSql = (target: string) => sql`
  SELECT p.id::text AS "productId", p.category_id::text AS "categoryId", p.price AS retail, p.currency AS currency
  FROM products p
  WHERE p.active AND (${target}::text = 'all' OR ${target}::text = 'product:' || p.id::text
        OR ${target}::text = 'category:' || p.category_id::text)`;

/** Everything one order's chain needs, in one statement (docs/distribution.md "Pricing an order"). */
export const chainFactsSql = (buyer: string, shopId: string | null, productId: string, categoryId: string) => sql`
  WITH shop AS (SELECT s.id, s.owner_id FROM shops s WHERE s.id = ${shopId}::uuid),
  seller AS (SELECT COALESCE((SELECT owner_id FROM shop), ${buyer}::uuid) AS user_id)
  SELECT
    (SELECT count(*)::int FROM shop) AS "shopFound",
    (SELECT u.referred_by::text FROM users u WHERE u.id = ${buyer}::uuid) AS "referredBy",
    (SELECT u.referred_at FROM users u WHERE u.id = ${buyer}::uuid) AS "referredAt",
    d.user_id::text AS "userId", d.parent_id::text AS "parentId",
    t.discount_bps AS "discountBps", tp.price AS "tierPrice",
    pt.discount_bps AS "parentDiscountBps", ptp.price AS "parentTierPrice",
    (SELECT json_agg(json_build_object('scope', r.scope, 'target', r.target, 'mode', r.mode, 'value', r.value::text))
       FROM distribution_price_rules r
       WHERE ((r.scope = 'SHOP' AND r.owner_id = (SELECT id FROM shop)) OR (r.scope = 'TEAM' AND r.owner_id = d.parent_id))
         AND r.target IN ('all', 'category:' || ${categoryId}::text, 'product:' || ${productId}::text)) AS rules
  FROM seller
  LEFT JOIN distributors d ON d.user_id = seller.user_id
  LEFT JOIN distribution_tiers t ON t.id = d.tier_id
  LEFT JOIN tier_product_prices tp ON tp.tier_id = d.tier_id AND tp.product_id = ${productId}::uuid
  LEFT JOIN distributors pd ON pd.user_id = d.parent_id
  LEFT JOIN distribution_tiers pt ON pt.id = pd.tier_id
  LEFT JOIN tier_product_prices ptp ON ptp.tier_id = pd.tier_id AND ptp.product_id = ${productId}::uuid`;

/** A distributor's own cost facts for every active product (`GET /v1/prices`). */
export const pricesSql = (userId: string) => sql`
  SELECT p.id::text AS "productId", p.sku, p.currency, p.price AS retail, p.category_id::text AS "categoryId",
    t.discount_bps AS "discountBps", tp.price AS "tierPrice",
    pt.discount_bps AS "parentDiscountBps", ptp.price AS "parentTierPrice", d.parent_id::text AS "parentId",
    (SELECT json_agg(json_build_object('scope', r.scope, 'target', r.target, 'mode', r.mode, 'value', r.value::text))
       FROM distribution_price_rules r
       WHERE r.scope = 'TEAM' AND r.owner_id = d.parent_id
         AND r.target IN ('all', 'category:' || p.category_id::text, 'product:' || p.id::text)) AS rules
  FROM products p
  LEFT JOIN distributors d ON d.user_id = ${userId}::uuid
  LEFT JOIN distribution_tiers t ON t.id = d.tier_id
  LEFT JOIN tier_product_prices tp ON tp.tier_id = d.tier_id AND tp.product_id = p.id
  LEFT JOIN distributors pd ON pd.user_id = d.parent_id
  LEFT JOIN distribution_tiers pt ON pt.id = pd.tier_id
  LEFT JOIN tier_product_prices ptp ON ptp.tier_id = pd.tier_id AND ptp.product_id = p.id
  WHERE p.active
  ORDER BY p.sku`;

// Referral codes.

export const referralCodeSql = (userId: string) => sql`SELECT code FROM referral_codes WHERE user_id = ${userId}::uuid`;
export const insertReferralCodeSql = (userId: string, code: string, now: Date) => sql`
  INSERT INTO referral_codes (user_id, code, created_at)
  SELECT u.id, ${code}::text, ${now}::timestamptz FROM users u WHERE u.id = ${userId}::uuid
  ON CONFLICT (user_id) DO NOTHING RETURNING code`;

// Sales volume and tier changes.

/**
 * The chain's distributor rows, locked in one order (no deadlock between orders sharing an L1): a delivery
 * counts its sale and reads the volume only while it holds them, so concurrent deliveries see each other's
 * sales — the one that crosses a threshold sees it crossed.
 */
export const lockDistributorsSql = (userIds: string[]) => sql`
  SELECT user_id FROM distributors WHERE user_id = ANY(${userIds}::uuid[]) ORDER BY user_id FOR UPDATE`;

/** The delivered order counted once for each distributor on its chain. */
export const recordSalesSql = (orderId: string, userIds: string[], amount: bigint, at: Date) => sql`
  INSERT INTO distributor_sales (order_id, user_id, amount, delivered_at)
  SELECT ${orderId}::uuid, u, ${amount}::bigint, ${at}::timestamptz FROM unnest(${userIds}::uuid[]) AS u
  ON CONFLICT (order_id, user_id) DO NOTHING`;

export const removeSalesSql = (orderId: string) => sql`DELETE FROM distributor_sales WHERE order_id = ${orderId}::uuid`;

/**
 * Moves an unpinned distributor up to the highest tier its rolling volume (since `since`) reaches, only
 * upwards. Under the row lock a concurrent run re-checks against the tier the first one set: one change.
 */
export const upgradeSql = (userId: string, since: Date, now: Date) => sql`
  WITH vol AS (
    SELECT COALESCE(sum(amount), 0)::bigint AS v FROM distributor_sales
    WHERE user_id = ${userId}::uuid AND delivered_at > ${since}::timestamptz
  ), target AS (
    SELECT t.id, t.rank FROM distribution_tiers t, vol WHERE t.upgrade_at <= vol.v ORDER BY t.rank DESC LIMIT 1
  ), old AS (SELECT tier_id FROM distributors WHERE user_id = ${userId}::uuid)
  UPDATE distributors d SET tier_id = target.id, tier_changed_at = ${now}::timestamptz, below_since = NULL
  FROM target, old
  WHERE d.user_id = ${userId}::uuid AND NOT d.tier_pinned
    AND target.rank > (SELECT rank FROM distribution_tiers WHERE id = d.tier_id)
  RETURNING old.tier_id AS "fromTier", d.tier_id AS "toTier"`;

/** Unpinned distributors with their rolling volume and their tier's threshold (the downgrade sweep). */
export const downgradeCandidatesSql = (since: Date, limit: number) => sql`
  SELECT d.user_id::text AS "userId", d.tier_id AS "tierId", d.below_since AS "belowSince", t.rank, t.upgrade_at AS "upgradeAt",
    COALESCE((SELECT sum(s.amount) FROM distributor_sales s
              WHERE s.user_id = d.user_id AND s.delivered_at > ${since}::timestamptz), 0)::bigint AS volume
  FROM distributors d JOIN distribution_tiers t ON t.id = d.tier_id
  WHERE NOT d.tier_pinned AND t.upgrade_at > 0
  ORDER BY d.user_id LIMIT ${limit}::int`;

export const markBelowSql = (userId: string, tierId: string, at: Date | null) => sql`
  UPDATE distributors SET below_since = ${at}::timestamptz
  WHERE user_id = ${userId}::uuid AND tier_id = ${tierId}::text AND NOT tier_pinned`;

/** One step down, only from the tier the sweep read (a concurrent upgrade wins). */
export const downgradeSql = (userId: string, fromTier: string, toTier: string, now: Date) => sql`
  UPDATE distributors SET tier_id = ${toTier}::text, tier_changed_at = ${now}::timestamptz, below_since = NULL
  WHERE user_id = ${userId}::uuid AND tier_id = ${fromTier}::text AND NOT tier_pinned
  RETURNING user_id::text AS "userId"`;

/** The receivable's balance (summed: negative = owed), read under a per-user transaction lock. */
export const lockReceivableSql = (code: string) =>
  sql`SELECT pg_advisory_xact_lock(hashtextextended(${code}::text, 0))`;
export const receivableBalanceSql = (code: string) => sql`
  SELECT COALESCE(sum(e.amount), 0)::bigint AS balance FROM ledger_entries e
  JOIN ledger_accounts a ON a.id = e.account_id WHERE a.code = ${code}::text`;

// Shop attribution (first touch).

/**
 * Attributes a buyer to a shop unless it already is attributed (the primary key decides under concurrency)
 * or the shop is gone or its own. Returns the row only when this call wrote it.
 */
export const attributeSql = (userId: string, shopId: string, now: Date) => sql`
  INSERT INTO shop_attributions (user_id, shop_id, created_at)
  SELECT ${userId}::uuid, s.id, ${now}::timestamptz FROM shops s
  WHERE s.id = ${shopId}::uuid AND s.owner_id <> ${userId}::uuid
  ON CONFLICT (user_id) DO NOTHING
  RETURNING shop_id::text AS "shopId"`;
export const attributedShopSql = (userId: string) => sql`
  SELECT ${SHOP} FROM shop_attributions a JOIN shops s ON s.id = a.shop_id WHERE a.user_id = ${userId}::uuid`;
