import type { z } from "zod";
import type { Product as ProductRow, Category as CategoryRow } from "../../prisma/generated/client.ts";
import {
  conflict,
  inTx,
  invalidData,
  newId,
  notFound,
  PG_UNIQUE_VIOLATION,
  sqlState,
  type Clock,
  type CoreContext,
  type Currency,
  type Db,
  type DbOrTx,
  type Sql,
  type SqlExecutor,
  type SqlRunner,
  type TxOptions,
} from "../shared/index.ts";
import {
  categoriesSql,
  categorySql,
  productBySkuSql,
  productSql,
  productsSql,
  sellableProductSql,
  stillOnSaleSql,
} from "./catalog.sql.ts";
import { categoryInputSchema, productInputSchema, type ParsedProductInput } from "./catalog.schemas.ts";
import type {
  Carrier,
  Category,
  CategoryInput,
  DeliveryKind,
  PriceRule,
  Product,
  ProductInput,
  ProductPatch,
  QuoteResult,
  TargetKind,
  TargetResult,
} from "./catalog.types.ts";
import { parseMainlandMobile } from "./mobile-number.ts";
import { priceProduct } from "./pricing.ts";
import { compileAnchored, DEFAULT_ACCOUNT_PATTERN, MAX_TARGET_LENGTH } from "./target-pattern.ts";

export interface CatalogDeps {
  /** Catalog editing (admin CRUD). */
  prisma: Db;
  /** Every read (shop windows, quotes, the order flows' product reads). */
  sql: SqlRunner;
  clock: Clock;
  /** Pricing steps after retail (tiers, shop markups, promotions); none by default. */
  priceRules?: readonly PriceRule[];
}

/** A read in the caller's transaction on the runner, when it has one. */
export interface ReadOptions {
  tx?: SqlExecutor;
}

export type Catalog = ReturnType<typeof createCatalog>;

/** Changing any of these changes what a buy button buys, so it bumps `version`. */
const VERSIONED_FIELDS = [
  "price",
  "currency",
  "faceValue",
  "active",
  "minQty",
  "maxQty",
  "deliveryKind",
  "targetKind",
  "targetPattern",
  "carrier",
] as const satisfies readonly (keyof Product)[];

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createCatalog(deps: CatalogDeps) {
  const { prisma: db, clock } = deps;
  const rules = deps.priceRules ?? [];
  const client = (opts?: TxOptions): DbOrTx => opts?.tx ?? db;
  const reader = (opts?: ReadOptions): SqlExecutor => opts?.tx ?? deps.sql;
  const one = async <T>(opts: ReadOptions | undefined, statement: Sql): Promise<T | null> =>
    (await reader(opts).query<T>(statement))[0] ?? null;

  async function getProduct(_ctx: CoreContext, id: string, opts?: ReadOptions): Promise<Product | null> {
    if (!UUID_RE.test(id)) return null;
    return one<Product>(opts, productSql(id));
  }

  /** The product when it can be sold now: active, in an active category. */
  async function sellableProduct(id: string, opts?: ReadOptions): Promise<Product | null> {
    if (!UUID_RE.test(id)) return null;
    return one<Product>(opts, sellableProductSql(id));
  }

  async function saveProduct(
    data: ParsedProductInput,
    existing: ProductRow | null,
    opts?: TxOptions,
  ): Promise<Product> {
    return inTx(db, opts, async (tx) => {
      const category = await tx.category.findUnique({ where: { id: data.categoryId }, select: { id: true } });
      if (!category) throw notFound("category_not_found", "no such category", { categoryId: data.categoryId });
      const { id: _id, ...fields } = data;
      try {
        if (!existing) {
          return toProduct(await tx.product.create({ data: { id: data.id ?? newId(), ...fields } }));
        }
        const before = toProduct(existing);
        const changed = VERSIONED_FIELDS.some((k) => before[k] !== fields[k]);
        const row = await tx.product.update({
          where: { id: existing.id },
          data: { ...fields, updatedAt: clock.now(), ...(changed ? { version: { increment: 1 } } : {}) },
        });
        return toProduct(row);
      } catch (e) {
        if (isUniqueViolation(e)) throw conflict("sku_taken", "another product has this SKU", { sku: data.sku });
        throw e;
      }
    });
  }

  return {
    async listCategories(
      _ctx: CoreContext,
      input: { includeInactive?: boolean } = {},
      opts?: ReadOptions,
    ): Promise<Category[]> {
      return reader(opts).query<Category>(categoriesSql(input.includeInactive ?? false));
    },

    async getCategory(_ctx: CoreContext, id: string, opts?: ReadOptions): Promise<Category | null> {
      if (!UUID_RE.test(id)) return null;
      return one<Category>(opts, categorySql(id));
    },

    /** Sellable products (active, in an active category), by category order, then face value and price. */
    async listProducts(
      _ctx: CoreContext,
      input: { categoryId?: string; includeInactive?: boolean } = {},
      opts?: ReadOptions,
    ): Promise<Product[]> {
      if (input.categoryId !== undefined && !UUID_RE.test(input.categoryId)) return [];
      return reader(opts).query<Product>(productsSql(input));
    },

    getProduct,

    async getProductBySku(_ctx: CoreContext, sku: string, opts?: ReadOptions): Promise<Product | null> {
      return one<Product>(opts, productBySkuSql(sku));
    },

    /**
     * The guard of a write priced from a cached read (`priceFor`): a statement that returns a row only
     * while the product is still at `version`, active, in an active category. The order insert composes
     * it into its own statement, so the catalog's tables stay the catalog's.
     */
    stillOnSale: (productId: string, version: number): Sql => stillOnSaleSql(productId, version),

    async upsertCategory(_ctx: CoreContext, input: CategoryInput, opts?: TxOptions): Promise<Category> {
      const data = parse(categoryInputSchema, input, "invalid_category");
      const { id, ...fields } = data;
      try {
        const row = id
          ? await client(opts).category.upsert({ where: { id }, create: { id, ...fields }, update: fields })
          : await client(opts).category.upsert({
              where: { slug: fields.slug },
              create: { id: newId(), ...fields },
              update: fields,
            });
        return toCategory(row);
      } catch (e) {
        if (isUniqueViolation(e)) throw conflict("slug_taken", "another category has this slug", { slug: data.slug });
        throw e;
      }
    },

    /** Creates or replaces a product (keyed by `id` when given, else by SKU). */
    async upsertProduct(_ctx: CoreContext, input: ProductInput, opts?: TxOptions): Promise<Product> {
      const data = parse(productInputSchema, input, "invalid_product");
      const existing = data.id
        ? await client(opts).product.findUnique({ where: { id: data.id } })
        : await client(opts).product.findUnique({ where: { sku: data.sku } });
      return saveProduct(data, existing, opts);
    },

    /** Changes some fields of an existing product (set a price, deactivate, ...), validated as a whole. */
    async updateProduct(
      _ctx: CoreContext,
      input: { productId: string; patch: ProductPatch },
      opts?: TxOptions,
    ): Promise<Product> {
      const existing = UUID_RE.test(input.productId)
        ? await client(opts).product.findUnique({ where: { id: input.productId } })
        : null;
      if (!existing) throw notFound("product_not_found", "no such product", { productId: input.productId });
      const merged: ProductInput = { ...toProduct(existing), ...input.patch, id: existing.id };
      const data = parse(productInputSchema, merged, "invalid_product");
      return saveProduct(data, existing, opts);
    },

    async quote(
      ctx: CoreContext,
      input: { productId: string; quantity: number; userId?: string },
      opts?: ReadOptions,
    ): Promise<QuoteResult> {
      const product = await sellableProduct(input.productId, opts);
      if (!product) return { ok: false, code: "product_unavailable" };
      return priceProduct(ctx, product, input, rules, { tx: opts?.tx });
    },

    /**
     * Prices a product already in hand (a cached read) like `quote` does: no product read. The caller
     * must check at write time that the product is still at `productVersion` and on sale.
     */
    async priceFor(
      ctx: CoreContext,
      product: Product,
      input: { quantity: number; userId?: string },
    ): Promise<QuoteResult> {
      if (!product.active) return { ok: false, code: "product_unavailable" };
      return priceProduct(ctx, product, input, rules, {});
    },

    async validateTarget(
      ctx: CoreContext,
      input: { productId: string; target?: string | null },
      opts?: ReadOptions,
    ): Promise<TargetResult> {
      const product = await getProduct(ctx, input.productId, opts);
      if (!product) throw notFound("product_not_found", "no such product", { productId: input.productId });
      return checkTarget(product, input.target);
    },

    checkTarget,
    parseMainlandMobile,
  };
}

/** Pure: does `target` suit this product? CODE products take no target (it is ignored). */
export function checkTarget(product: Product, target: string | null | undefined): TargetResult {
  if (product.deliveryKind === "CODE" || !product.targetKind) return { ok: true, target: null };
  const raw = (target ?? "").trim();
  if (raw === "") return { ok: false, code: "target_required" };
  if (product.targetKind === "MOBILE") {
    const parsed = parseMainlandMobile(raw);
    if (!parsed.ok) return { ok: false, code: "invalid_mobile", reason: parsed.reason };
    if (product.carrier && parsed.carrier !== product.carrier) {
      return { ok: false, code: "wrong_carrier", expected: product.carrier, got: parsed.carrier };
    }
    return { ok: true, target: parsed.number, carrier: parsed.carrier };
  }
  const pattern = product.targetPattern ?? DEFAULT_ACCOUNT_PATTERN;
  if (raw.length > MAX_TARGET_LENGTH || !compileAnchored(pattern).test(raw)) {
    return { ok: false, code: "invalid_account", expected: pattern };
  }
  return { ok: true, target: raw };
}

function parse<S extends z.ZodType>(schema: S, input: unknown, code: string): z.output<S> {
  const res = schema.safeParse(input);
  if (!res.success) {
    const issues = res.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    throw invalidData(code, issues.map((i) => `${i.path}: ${i.message}`).join("; "), { issues });
  }
  return res.data;
}

function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: unknown })?.code === "P2002" || sqlState(e) === PG_UNIQUE_VIOLATION;
}

/** A row of Prisma's model (the admin path) as the catalog's type. */
function toCategory(row: CategoryRow): Category {
  return {
    id: row.id,
    slug: row.slug,
    nameZh: row.nameZh,
    nameEn: row.nameEn,
    sortOrder: row.sortOrder,
    active: row.active,
  };
}

function toProduct(row: ProductRow): Product {
  return {
    id: row.id,
    sku: row.sku,
    categoryId: row.categoryId,
    nameZh: row.nameZh,
    nameEn: row.nameEn,
    faceValue: row.faceValue,
    currency: row.currency as Currency,
    price: row.price,
    deliveryKind: row.deliveryKind as DeliveryKind,
    targetKind: row.targetKind as TargetKind | null,
    targetPattern: row.targetPattern,
    carrier: row.carrier as Carrier | null,
    minQty: row.minQty,
    maxQty: row.maxQty,
    active: row.active,
    acceptBackorders: row.acceptBackorders,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
