import { sql } from "../shared/index.ts";

/** The statements of group shops (a chat group bound to a distributor's shop; docs/distribution.md). */

const BINDING = sql`g.channel, g.chat_id AS "chatId", g.shop_id::text AS "shopId", g.bound_by::text AS "boundBy",
  g.bound_at AS "boundAt", g.sales_feed AS "salesFeed"`;

export const groupBindingSql = (channel: string, chatId: string) =>
  sql`SELECT ${BINDING} FROM group_shops g WHERE g.channel = ${channel}::text AND g.chat_id = ${chatId}::text`;

/**
 * Binds the group to the shop. A group already bound is moved only when its current shop has the same
 * owner (a distributor switching between its own shops); another owner's binding is left alone (no row).
 */
export const bindGroupSql = (channel: string, chatId: string, shopId: string, by: string, now: Date) => sql`
  INSERT INTO group_shops AS g (channel, chat_id, shop_id, bound_by, bound_at)
  VALUES (${channel}::text, ${chatId}::text, ${shopId}::uuid, ${by}::uuid, ${now}::timestamptz)
  ON CONFLICT (channel, chat_id) DO UPDATE SET shop_id = EXCLUDED.shop_id, bound_by = EXCLUDED.bound_by,
    bound_at = EXCLUDED.bound_at
  WHERE (SELECT s.owner_id FROM shops s WHERE s.id = g.shop_id) = ${by}::uuid
  RETURNING ${BINDING}`;

export const unbindGroupSql = (channel: string, chatId: string, shopId: string) => sql`
  DELETE FROM group_shops g
  WHERE g.channel = ${channel}::text AND g.chat_id = ${chatId}::text AND g.shop_id = ${shopId}::uuid
  RETURNING ${BINDING}`;

export const setSalesFeedSql = (channel: string, chatId: string, on: boolean) => sql`
  UPDATE group_shops g SET sales_feed = ${on}::boolean
  WHERE g.channel = ${channel}::text AND g.chat_id = ${chatId}::text RETURNING ${BINDING}`;

/** Active categories that have an active product, in the catalog's order. */
export const windowCategoriesSql = () => sql`
  SELECT c.id::text AS id, c.name_zh AS "nameZh", c.name_en AS "nameEn" FROM categories c
  WHERE c.active AND EXISTS (SELECT 1 FROM products p WHERE p.category_id = c.id AND p.active)
  ORDER BY c.sort_order, c.slug`;

/** Active products (of one category, or one product), in the catalog's order, with what a price needs. */
export const windowProductsSql = (categoryId: string | null, productId: string | null) => sql`
  SELECT p.id::text AS id, p.category_id::text AS "categoryId", p.name_zh AS "nameZh", p.name_en AS "nameEn",
    p.price AS retail, p.currency, p.delivery_kind AS "deliveryKind"
  FROM products p JOIN categories c ON c.id = p.category_id
  WHERE p.active AND c.active
    AND (${categoryId}::uuid IS NULL OR p.category_id = ${categoryId}::uuid)
    AND (${productId}::uuid IS NULL OR p.id = ${productId}::uuid)
  ORDER BY c.sort_order, p.face_value, p.price, p.sku`;

/**
 * The groups that asked for a sales line about this order: those bound to the shop it was bought in with
 * the feed on. Names only — never the buyer, never a code.
 */
export const feedTargetsSql = (orderId: string) => sql`
  SELECT g.channel, g.chat_id AS "chatId", g.shop_id::text AS "shopId", s.owner_id::text AS "ownerId", s.name AS "shopName",
    p.name_zh AS "nameZh", p.name_en AS "nameEn", o.quantity
  FROM orders o
  JOIN group_shops g ON g.sales_feed AND g.shop_id = (o.pricing->'chain'->>'shopId')::uuid
  JOIN shops s ON s.id = g.shop_id
  JOIN products p ON p.id = o.product_id
  WHERE o.id = ${orderId}::uuid AND o.pricing->'chain'->>'shopId' IS NOT NULL
  ORDER BY g.channel, g.chat_id`;
