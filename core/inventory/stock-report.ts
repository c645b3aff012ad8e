import { Prisma } from "../../prisma/generated/client.ts";
import type { CoreContext, TxOptions } from "../shared/index.ts";
import type { BatchStock, InventoryDeps, ProductStock, StockCounts, StockReport } from "./inventory.types.ts";
import { assertUuid, sellableAt } from "./sql.ts";

const zero = (): StockCounts => ({ available: 0, reserved: 0, sold: 0, expired: 0 });

/** Counts per product and per batch. `available` excludes codes past their expiry (counted as `expired`). */
export async function stock(
  deps: InventoryDeps,
  _ctx: CoreContext,
  input: { productId?: string } = {},
  opts?: TxOptions,
): Promise<StockReport> {
  if (input.productId !== undefined) assertUuid(input.productId, "productId");
  const client = opts?.tx ?? deps.db;
  const now = deps.clock.now();
  const productId = input.productId ?? null;
  const counts = await client.$queryRaw<
    { product_id: string; batch_id: string; bucket: keyof StockCounts; n: number }[]
  >`
    SELECT product_id, batch_id,
           CASE
             WHEN status = 'EXPIRED' OR (status = 'AVAILABLE' AND expires_at <= ${now}) THEN 'expired'
             WHEN status = 'AVAILABLE' THEN 'available'
             WHEN status = 'RESERVED' THEN 'reserved'
             ELSE 'sold'
           END AS bucket,
           count(*)::int AS n
    FROM codes
    WHERE ${productId}::uuid IS NULL OR product_id = ${productId}::uuid
    GROUP BY 1, 2, 3`;
  const batchRows = await client.codeBatch.findMany({
    where: productId ? { productId } : {},
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });

  const products = new Map<string, ProductStock>();
  if (productId) products.set(productId, { productId, ...zero() });
  const batches = new Map<string, BatchStock>(
    batchRows.map((b) => [
      b.id,
      {
        batchId: b.id,
        productId: b.productId,
        source: b.source,
        createdAt: b.createdAt,
        imported: b.imported,
        duplicate: b.duplicate,
        rejected: b.rejected,
        ...zero(),
      },
    ]),
  );
  for (const c of counts) {
    let p = products.get(c.product_id);
    if (!p) products.set(c.product_id, (p = { productId: c.product_id, ...zero() }));
    p[c.bucket] += c.n;
    const b = batches.get(c.batch_id);
    if (b) b[c.bucket] += c.n;
  }
  return {
    products: [...products.values()].sort((a, b) => a.productId.localeCompare(b.productId)),
    batches: [...batches.values()],
  };
}

/** Active CODE products with fewer than `threshold` available codes, emptiest first. */
export async function lowStock(
  deps: InventoryDeps,
  _ctx: CoreContext,
  input: { threshold: number },
  opts?: TxOptions,
): Promise<{ productId: string; sku: string; available: number }[]> {
  const client = opts?.tx ?? deps.db;
  const now = deps.clock.now();
  return client.$queryRaw<{ productId: string; sku: string; available: number }[]>`
    SELECT p.id AS "productId", p.sku, COALESCE(c.n, 0)::int AS available
    FROM products p
    LEFT JOIN (
      SELECT product_id, count(*) AS n FROM codes
      WHERE ${sellableAt(now)}
      GROUP BY product_id
    ) c ON c.product_id = p.id
    WHERE p.delivery_kind = 'CODE' AND p.active AND COALESCE(c.n, 0) < ${Math.trunc(input.threshold)}::int
    ORDER BY available, p.sku`;
}

/** Housekeeping: AVAILABLE codes past their expiry become EXPIRED (claims skip them either way). */
export async function expireCodes(
  deps: InventoryDeps,
  _ctx: CoreContext,
  opts?: TxOptions,
): Promise<{ expired: number }> {
  const client = opts?.tx ?? deps.db;
  const expired = await client.$executeRaw`
    UPDATE codes SET status = 'EXPIRED' WHERE status = 'AVAILABLE' AND expires_at <= ${deps.clock.now()}`;
  return { expired };
}

/**
 * Sellable codes per product (not expired), for shop windows: counts only AVAILABLE codes through the
 * partial index `codes_sellable_idx`, so its cost follows what is on sale, not every code ever sold.
 * Products without stock are absent from the map.
 */
export async function availableCounts(
  deps: InventoryDeps,
  _ctx: CoreContext,
  input: { productIds?: string[] } = {},
  opts?: TxOptions,
): Promise<Map<string, number>> {
  const ids = input.productIds ?? null;
  if (ids) for (const id of ids) assertUuid(id, "productId");
  const client = opts?.tx ?? deps.db;
  // Two statements, not `($1 IS NULL OR product_id = ANY($1))`: a generic plan cannot use the index for that.
  const products = ids ? Prisma.sql`AND product_id = ANY(${ids}::uuid[])` : Prisma.empty;
  const rows = await client.$queryRaw<{ product_id: string; n: number }[]>`
    SELECT product_id::text AS product_id, count(*)::int AS n FROM codes
    WHERE ${sellableAt(deps.clock.now())} ${products}
    GROUP BY product_id`;
  return new Map(rows.map((r) => [r.product_id, r.n]));
}
