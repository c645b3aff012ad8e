import type { CoreContext, SqlTxOptions, TxOptions } from "../shared/index.ts";
import { burnSold, claim, type ClaimOptions, markSold, release } from "./code-claim.ts";
import { importCodes } from "./code-import.ts";
import type { ImportCodesInput, InventoryDeps, SupplierCode } from "./inventory.types.ts";
import { dueRestockNotifications, subscribeRestock, unsubscribeRestock } from "./restock-subscriptions.ts";
import { availableCounts, expireCodes, lowStock, stock } from "./stock-report.ts";
import { maskedCodes } from "./masked-codes.ts";
import { voidBatch } from "./batch-void.ts";
import { claimedSql } from "./sql.ts";
import { StockHints } from "./stock-hints.ts";
import { addSupplierCodes, reveal } from "./supplier-codes.ts";

export type Inventory = ReturnType<typeof createInventory>;

/**
 * Card-code stock: import, claim/release/sell, supplier-returned codes, reveal, stock reports, restock
 * alerts. `opts.tx` is a transaction of the SqlRunner, except for `importCodes` and `stock` (Prisma's:
 * batch bookkeeping and the operators' report).
 */
export function createInventory(deps: InventoryDeps) {
  const hints = new StockHints(() => deps.clock.now().getTime(), deps.stockHintMs ?? 2_000);
  return {
    async importCodes(ctx: CoreContext, input: ImportCodesInput, opts?: TxOptions) {
      const result = await importCodes(deps, ctx, input, opts);
      if (result.imported > 0) hints.restocked(input.productId);
      return result;
    },
    async claim(
      ctx: CoreContext,
      input: { productId: string; orderId: string; quantity: number },
      opts?: ClaimOptions,
    ) {
      const result = await claim(deps, ctx, input, opts);
      if (!result.ok) hints.sawShort(input.productId, result.available);
      return result;
    },
    /**
     * A recent claim in this process found fewer than `quantity` codes (a hint, for refusing a burst of
     * buyers of a sold-out product before any transaction; a claim still decides every sale).
     */
    knownShort: (_ctx: CoreContext, input: { productId: string; quantity: number }) =>
      hints.knownShort(input.productId, input.quantity),
    /** A statement that returns a row once the order holds codes (to gate statements issued after its claim). */
    claimedSql: (orderId: string) => claimedSql(orderId),
    async release(ctx: CoreContext, input: { orderId: string }, opts?: SqlTxOptions) {
      const result = await release(deps, ctx, input, opts);
      if (result.released > 0) hints.restocked();
      return result;
    },
    markSold: (ctx: CoreContext, input: { orderId: string }, opts?: SqlTxOptions) => markSold(deps, ctx, input, opts),
    burnSold: (ctx: CoreContext, input: { orderId: string }, opts?: SqlTxOptions) => burnSold(deps, ctx, input, opts),
    /** Takes a batch's unsold codes off sale (VOID); staff with `codes.import`. */
    voidBatch: (ctx: CoreContext, input: { batchId: string }, opts?: SqlTxOptions) => voidBatch(deps, ctx, input, opts),
    addSupplierCodes: (
      ctx: CoreContext,
      input: { productId: string; orderId: string; supplierId: string; codes: SupplierCode[] },
      opts?: SqlTxOptions,
    ) => addSupplierCodes(deps, ctx, input, opts),
    reveal: (ctx: CoreContext, input: { orderId: string }, opts?: SqlTxOptions) => reveal(deps, ctx, input, opts),
    /** An order's codes masked (`ABCD…WXYZ`), for staff looking an order up: never the codes themselves. */
    maskedCodes: (ctx: CoreContext, input: { orderId: string }, opts?: SqlTxOptions) =>
      maskedCodes(deps, ctx, input, opts),
    stock: (ctx: CoreContext, input: { productId?: string } = {}, opts?: TxOptions) => stock(deps, ctx, input, opts),
    availableCounts: (ctx: CoreContext, input: { productIds?: string[] } = {}, opts?: SqlTxOptions) =>
      availableCounts(deps, ctx, input, opts),
    lowStock: <P extends { productId: string }>(
      ctx: CoreContext,
      input: { threshold: number; products: readonly P[] },
      opts?: SqlTxOptions,
    ) => lowStock(deps, ctx, input, opts),
    expireCodes: (ctx: CoreContext, opts?: SqlTxOptions) => expireCodes(deps, ctx, opts),
    subscribeRestock: (
      ctx: CoreContext,
      input: { userId: string; productId: string; channel: string },
      opts?: SqlTxOptions,
    ) => subscribeRestock(deps, ctx, input, opts),
    unsubscribeRestock: (ctx: CoreContext, input: { userId: string; productId: string }, opts?: SqlTxOptions) =>
      unsubscribeRestock(deps, ctx, input, opts),
    dueRestockNotifications: (ctx: CoreContext, input: { productId: string; limit?: number }, opts?: SqlTxOptions) =>
      dueRestockNotifications(deps, ctx, input, opts),
  };
}
