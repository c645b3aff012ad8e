import { notFound, type CoreContext, type SqlTxOptions } from "../shared/index.ts";
import type { InventoryDeps } from "./inventory.types.ts";
import { assertUuid, voidBatchSql } from "./sql.ts";

/**
 * Takes a batch off sale (a supplier recalled it, a leaked file): its AVAILABLE codes become VOID in one
 * statement — a concurrent claim either got a code first (its order keeps it) or finds it gone. Voiding
 * again voids nothing more. An unknown batch is `batch_not_found`.
 */
export async function voidBatch(
  deps: InventoryDeps,
  _ctx: CoreContext,
  input: { batchId: string },
  opts?: SqlTxOptions,
): Promise<{ batchId: string; productId: string; voided: number }> {
  assertUuid(input.batchId, "batchId");
  const batch = await deps.prisma.codeBatch.findUnique({ where: { id: input.batchId } });
  if (!batch) throw notFound("batch_not_found", "no such code batch", { batchId: input.batchId });
  const rows = await (opts?.tx ?? deps.sql).query<{ product_id: string }>(voidBatchSql(input.batchId));
  return { batchId: batch.id, productId: batch.productId, voided: rows.length };
}
