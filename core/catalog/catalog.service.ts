import type { z } from "zod";
import { Prisma, type Product as ProductRow, type Category as CategoryRow } from "../../prisma/generated/client.ts";
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
  type TxOptions,
} from "../shared/index.ts";
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
  db: Db;
  clock: Clock;
  /** Pricing steps after retail (tiers, shop markups, promotions); none by default. */
  priceRules?: readonly PriceRule[];
  /**
   * Where the hot product reads (getProduct, and quote's product, outside a caller's transaction) run
   * their raw SQL; the composition root passes a node-postgres one on PostgreSQL. Default `db`.
   */
  reader?: Db;
}

// The columns of ProductRow, selected by raw SQL under Prisma's field names.
const PRODUCT_COLUMNS = Prisma.sql`p.id::text AS "id", p.sku, p.category_id::text AS "categoryId",
  p.name_zh AS "nameZh", p.name_en AS "nameEn", p.face_value AS "faceValue", p.currency, p.price,
  p.delivery_kind AS "deliveryKind", p.target_kind AS "targetKind", p.target_pattern AS "targetPattern",
  p.carrier, p.min_qty AS "minQty", p.max_qty AS "maxQty", p.active, p.version,
  p.created_at AS "createdAt", p.updated_at AS "updatedAt"`;

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
  const { db, clock } = deps;
  const rules = deps.priceRules ?? [];
  const client = (opts?: TxOptions): DbOrTx => opts?.tx ?? db;

  const reader = (opts?: TxOptions): DbOrTx => opts?.tx ?? deps.reader ?? db;

  async function getProduct(_ctx: CoreContext, id: string, opts?: TxOptions): Promise<Product | null> {
    if (!UUID_RE.test(id)) return null;
    const [row] = await reader(opts).$queryRaw<ProductRow[]>`SELECT ${PRODUCT_COLUMNS} FROM products p
      WHERE p.id = ${id}::uuid`;
    return row ? toProduct(row) : null;
  }

  /** The product when it can be sold now: active, in an active category. */
  async function sellableProduct(id: string, opts?: TxOptions): Promise<Product | null> {
    if (!UUID_RE.test(id)) return null;
    const [row] = await reader(opts).$queryRaw<ProductRow[]>`SELECT ${PRODUCT_COLUMNS} FROM products p
      JOIN categories c ON c.id = p.category_id WHERE p.id = ${id}::uuid AND p.active AND c.active`;
    return row ? toProduct(row) : null;
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
      opts?: TxOptions,
    ): Promise<Category[]> {
      const rows = await client(opts).category.findMany({
        where: input.includeInactive ? {} : { active: true },
        orderBy: [{ sortOrder: "asc" }, { slug: "asc" }],
      });
      return rows.map(toCategory);
    },

    async getCategory(_ctx: CoreContext, id: string, opts?: TxOptions): Promise<Category | null> {
      if (!UUID_RE.test(id)) return null;
      const row = await client(opts).category.findUnique({ where: { id } });
      return row ? toCategory(row) : null;
    },

    /** Sellable products (active, in an active category), by category order, then face value and price. */
    async listProducts(
      _ctx: CoreContext,
      input: { categoryId?: string; includeInactive?: boolean } = {},
      opts?: TxOptions,
    ): Promise<Product[]> {
      if (input.categoryId !== undefined && !UUID_RE.test(input.categoryId)) return [];
      const rows = await client(opts).product.findMany({
        where: {
          ...(input.categoryId ? { categoryId: input.categoryId } : {}),
          ...(input.includeInactive ? {} : { active: true, category: { active: true } }),
        },
        orderBy: [{ category: { sortOrder: "asc" } }, { faceValue: "asc" }, { price: "asc" }, { sku: "asc" }],
      });
      return rows.map(toProduct);
    },

    getProduct,

    async getProductBySku(_ctx: CoreContext, sku: string, opts?: TxOptions): Promise<Product | null> {
      const row = await client(opts).product.findUnique({ where: { sku } });
      return row ? toProduct(row) : null;
    },

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
      opts?: TxOptions,
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
      opts?: TxOptions,
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
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
