import { MAX_MINOR, type CoreContext, type SqlExecutor } from "../shared/index.ts";
import { MAX_ORDER_QUANTITY } from "./catalog.schemas.ts";
import type { PriceRule, Product, QuoteResult } from "./catalog.types.ts";

/**
 * Prices `quantity` units of an active product for a buyer: retail price, then each rule in order.
 * Quantity must be an integer within the product's limits, the global cap, and keep the total below
 * MAX_MINOR.
 */
export async function priceProduct(
  ctx: CoreContext,
  product: Product,
  input: { quantity: number; userId?: string },
  rules: readonly PriceRule[],
  opts: { tx?: SqlExecutor },
): Promise<QuoteResult> {
  const min = product.minQty;
  let max = Math.min(product.maxQty, MAX_ORDER_QUANTITY);
  const { quantity } = input;
  if (!Number.isSafeInteger(quantity) || quantity < min || quantity > max) {
    return { ok: false, code: "quantity_out_of_range", min, max };
  }
  let unitPrice = product.price;
  let priceSource = "retail";
  for (const rule of rules) {
    const next = await rule.apply(ctx, { product, quantity, userId: input.userId, unitPrice }, opts);
    if (next === undefined) continue;
    if (typeof next !== "bigint" || next < 0n || next >= MAX_MINOR) {
      throw new Error(`price rule ${rule.name} returned an invalid price`);
    }
    unitPrice = next;
    priceSource = rule.name;
  }
  const total = unitPrice * BigInt(quantity);
  if (total >= MAX_MINOR) {
    max = Math.min(max, Number((MAX_MINOR - 1n) / unitPrice));
    return { ok: false, code: "quantity_out_of_range", min, max };
  }
  return {
    ok: true,
    productId: product.id,
    quantity,
    unitPrice,
    total,
    currency: product.currency,
    productVersion: product.version,
    priceSource,
  };
}
