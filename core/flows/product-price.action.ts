import { z } from "zod";
import { defineAction, type AnyReviewableAction } from "../approvals/index.ts";
import type { Catalog } from "../catalog/index.ts";
import { delegate, formatMoney, notFound, type CoreContext, type Currency } from "../shared/index.ts";

export const PRODUCT_PRICE_ACTION = "catalog.price";

export interface PriceChange {
  productId: string;
  /** The new unit price in minor units (a decimal string: the request is stored as JSON). */
  price: string;
}

/**
 * A staff price change as a reviewable action (`catalog.price`, permission `catalog.write`): a change of more
 * than `maxPercent` % of the current price (either way) needs a second staff member. It runs the catalog's
 * `updateProduct` (validated as a whole, the product's version bumped) on the staff member's behalf.
 */
export function productPriceAction(deps: {
  catalog: Pick<Catalog, "getProduct" | "updateProduct">;
  maxPercent: number;
}): AnyReviewableAction {
  const product = async (ctx: CoreContext, id: string) => {
    const p = await deps.catalog.getProduct(delegate(ctx, "catalog.price.read"), id);
    if (!p) throw notFound("product_not_found", `no product ${id}`);
    return p;
  };
  return defineAction<PriceChange>({
    name: PRODUCT_PRICE_ACTION,
    permission: "catalog.write",
    schema: z.object({
      productId: z
        .string()
        .uuid({ message: "must be a product id" })
        .transform((s) => s.toLowerCase()),
      price: z.string().regex(/^[1-9]\d{0,14}$/, "must be a positive whole number of minor units"),
    }),
    async precheck(ctx, p) {
      await product(ctx, p.productId);
    },
    async needsApproval(ctx, p) {
      const current = (await product(ctx, p.productId)).price;
      const next = BigInt(p.price);
      const diff = next > current ? next - current : current - next;
      return current === 0n || diff * 100n > current * BigInt(Math.trunc(deps.maxPercent));
    },
    async describe(ctx, p) {
      const cur = await product(ctx, p.productId);
      const c = cur.currency as Currency;
      return `price of ${cur.sku}: ${formatMoney(cur.price, c, "en")} → ${formatMoney(BigInt(p.price), c, "en")}`;
    },
    target: (p) => ({ type: "product", id: p.productId }),
    async execute(ctx, p) {
      const before = (await product(ctx, p.productId)).price;
      const after = await deps.catalog.updateProduct(delegate(ctx, "approvals.catalog.price"), {
        productId: p.productId,
        patch: { price: BigInt(p.price) },
      });
      return { before: before.toString(), after: after.price.toString(), version: after.version };
    },
  });
}
