import { prismaExecutor, type CoreContext, type SqlTxOptions, type TxOptions } from "../shared/index.ts";
import type { BatchStock, InventoryDeps, ProductStock, StockCounts, StockReport } from "./inventory.types.ts";
import { assertUuid, availableCountsSql, expireCodesSql, stockCountsSql } from "./sql.ts";

const zero = (): StockCounts => ({ available: 0, reserved: 0, sold: 0, expired: 0, voided: 0 });

/**
 * Counts per product and per batch (an operators' report, through Prisma with the batch bookkeeping).
 * `available` excludes codes past their expiry (counted as `expired`).
 */
export async function stock(
  deps: InventoryDeps,
  _ctx: CoreContext,
  input: { productId?: string } = {},
  opts?: TxOptions,
): Promise<StockReport> {
  if (input.productId !== undefined) assertUuid(input.productId, "productId");
  const client = opts?.tx ?? deps.prisma;
  const productId = input.productId ?? null;
  const counts = await prismaExecutor(client).query<{
    product_id: string;
    batch_id: string;
    bucket: keyof StockCounts;
    n: number;
  }>(stockCountsSql(productId, deps.clock.now()));
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

/**
 * The given products that have fewer than `threshold` sellable codes, emptiest first. The caller picks
 * the products (say, the catalog's active CODE products): inventory does not read the catalog's tables.
 */
export async function lowStock<P extends { productId: string }>(
  deps: InventoryDeps,
  ctx: CoreContext,
  input: { threshold: number; products: readonly P[] },
  opts?: SqlTxOptions,
): Promise<Array<P & { available: number }>> {
  const ids = input.products.map((p) => p.productId);
  const counts = ids.length ? await availableCounts(deps, ctx, { productIds: ids }, opts) : new Map<string, number>();
  return input.products
    .map((p) => ({ ...p, available: counts.get(p.productId) ?? 0 }))
    .filter((p) => p.available < Math.trunc(input.threshold))
    .sort((a, b) => a.available - b.available);
}

/** Housekeeping: AVAILABLE codes past their expiry become EXPIRED (claims skip them either way). */
export async function expireCodes(
  deps: InventoryDeps,
  _ctx: CoreContext,
  opts?: SqlTxOptions,
): Promise<{ expired: number }> {
  return { expired: await (opts?.tx ?? deps.sql).execute(expireCodesSql(deps.clock.now())) };
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
  opts?: SqlTxOptions,
): Promise<Map<string, number>> {
  const ids = input.productIds ?? null;
  if (ids) for (const id of ids) assertUuid(id, "productId");
  const rows = await (opts?.tx ?? deps.sql).query<{ product_id: string; n: number }>(
    availableCountsSql(ids, deps.clock.now()),
  );
  return new Map(rows.map((r) => [r.product_id, r.n]));
}
