import { empty, rowMap, selectList, sql, type Sql } from "../shared/index.ts";
import type { Category, Product } from "./catalog.types.ts";

/**
 * The catalog's reads (tables products, categories), run on the SqlRunner; its editing (admin CRUD)
 * goes through Prisma's models in catalog.service.ts. Other modules never read these tables: the order
 * insert's "still on sale at this version" guard is `stillOnSaleSql`, which the flows hand to it.
 */

export const PRODUCT_ROW = rowMap<Product>("products", {
  id: { column: "id", cast: "text" },
  sku: { column: "sku" },
  categoryId: { column: "category_id", cast: "text" },
  nameZh: { column: "name_zh" },
  nameEn: { column: "name_en" },
  faceValue: { column: "face_value" },
  currency: { column: "currency" },
  price: { column: "price" },
  deliveryKind: { column: "delivery_kind" },
  targetKind: { column: "target_kind" },
  targetPattern: { column: "target_pattern" },
  carrier: { column: "carrier" },
  minQty: { column: "min_qty" },
  maxQty: { column: "max_qty" },
  active: { column: "active" },
  acceptBackorders: { column: "accept_backorders" },
  version: { column: "version" },
  createdAt: { column: "created_at" },
  updatedAt: { column: "updated_at" },
});

export const CATEGORY_ROW = rowMap<Category>("categories", {
  id: { column: "id", cast: "text" },
  slug: { column: "slug" },
  nameZh: { column: "name_zh" },
  nameEn: { column: "name_en" },
  sortOrder: { column: "sort_order" },
  active: { column: "active" },
});

const PRODUCT_COLUMNS = selectList(PRODUCT_ROW, "p");
const CATEGORY_COLUMNS = selectList(CATEGORY_ROW, "c");

export const productSql = (id: string) => sql`SELECT ${PRODUCT_COLUMNS} FROM products p WHERE p.id = ${id}::uuid`;

export const productBySkuSql = (sku: string) =>
  sql`SELECT ${PRODUCT_COLUMNS} FROM products p WHERE p.sku = ${sku}::text`;

/** The product when it can be sold now: active, in an active category. */
export const sellableProductSql = (id: string) =>
  sql`SELECT ${PRODUCT_COLUMNS} FROM products p JOIN categories c ON c.id = p.category_id
    WHERE p.id = ${id}::uuid AND p.active AND c.active`;

/**
 * A row while the product is still at `version`, active, in an active category: the guard of a write
 * priced from a cached read (the order insert runs it in the same statement, so it costs no round trip).
 */
export const stillOnSaleSql = (productId: string, version: number): Sql =>
  sql`SELECT 1 FROM products p JOIN categories c ON c.id = p.category_id
    WHERE p.id = ${productId}::uuid AND p.version = ${version}::int AND p.active AND c.active`;

/** By category order, then face value and price; only sellable ones unless `includeInactive`. */
export function productsSql(input: { categoryId?: string; includeInactive?: boolean }): Sql {
  const category = input.categoryId ? sql`AND p.category_id = ${input.categoryId}::uuid` : empty;
  const active = input.includeInactive ? empty : sql`AND p.active AND c.active`;
  return sql`SELECT ${PRODUCT_COLUMNS} FROM products p JOIN categories c ON c.id = p.category_id
    WHERE true ${category} ${active} ORDER BY c.sort_order, p.face_value, p.price, p.sku`;
}

export const categoriesSql = (includeInactive: boolean) =>
  sql`SELECT ${CATEGORY_COLUMNS} FROM categories c ${includeInactive ? empty : sql`WHERE c.active`}
    ORDER BY c.sort_order, c.slug`;

export const categorySql = (id: string) => sql`SELECT ${CATEGORY_COLUMNS} FROM categories c WHERE c.id = ${id}::uuid`;
