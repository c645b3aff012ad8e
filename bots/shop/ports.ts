import type { Category, Product, QuoteResult, TargetResult } from "../../core/catalog/index.ts";
import type { PayOrderResult, PlaceOrderInput, PlaceOrderResult } from "../../core/flows/index.ts";
import type { NumberedOrder } from "../../core/orders/index.ts";
import type { CoreContext } from "../../core/shared/index.ts";

/**
 * What the shop bot needs from the core, as narrow structural ports. `shopPortsFromCore` (core-adapter.ts)
 * builds them from the real modules; tests may pass the real modules too.
 */
export interface ShopPorts {
  catalog: {
    listCategories(ctx: CoreContext): Promise<Category[]>;
    getCategory(ctx: CoreContext, id: string): Promise<Category | null>;
    listProducts(ctx: CoreContext, input: { categoryId?: string }): Promise<Product[]>;
    getProduct(ctx: CoreContext, id: string): Promise<Product | null>;
    quote(ctx: CoreContext, input: { productId: string; quantity: number; userId?: string }): Promise<QuoteResult>;
    validateTarget(ctx: CoreContext, input: { productId: string; target?: string | null }): Promise<TargetResult>;
  };
  orders: {
    place(ctx: CoreContext, input: PlaceOrderInput): Promise<PlaceOrderResult>;
    /** Owner-only (ctx.userId); throws not_found otherwise. */
    get(ctx: CoreContext, input: { orderId: string }): Promise<NumberedOrder>;
    listForUser(ctx: CoreContext, input: { userId: string; limit?: number }): Promise<NumberedOrder[]>;
    codesFor(ctx: CoreContext, input: { orderId: string }): Promise<Array<{ code: string; password?: string | null }>>;
    markPaid(ctx: CoreContext, input: { orderId: string; paymentId?: string }): Promise<PayOrderResult>;
  };
  stock: {
    /**
     * Codes available for a CODE product. `maxAgeMs` allows a recent cached count (list displays);
     * without it the count is read now (decisions).
     */
    available(ctx: CoreContext, productId: string, opts?: { maxAgeMs?: number }): Promise<number>;
    subscribeRestock(ctx: CoreContext, input: { userId: string; productId: string; channel: string }): Promise<unknown>;
    /** Subscribers to tell now (marks them notified). */
    dueRestockNotifications(
      ctx: CoreContext,
      input: { productId: string },
    ): Promise<{ userId: string; channel: string }[]>;
  };
  wallet: {
    balance(ctx: CoreContext, input: { userId: string; currency: string }): Promise<bigint>;
  };
  /** Absent when no payment provider is configured (top-ups then say so). */
  payments?: {
    startTopUp(
      ctx: CoreContext,
      input: { userId: string; amount: bigint; currency: string; idempotencyKey: string },
    ): Promise<{ checkoutUrl: string }>;
    /** Credits a Telegram Stars payment to the user's XTR wallet, once per chargeId. */
    confirmStars?(
      ctx: CoreContext,
      input: { userId: string; orderId: string; chargeId: string; amount: bigint; currency: string },
    ): Promise<unknown>;
  };
}
