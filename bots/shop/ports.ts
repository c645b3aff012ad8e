import type { Category, Product, QuoteResult, TargetResult } from "../../core/catalog/index.ts";
import type { Kyc } from "../../core/kyc/index.ts";
import type { PayOrderResult, PlaceOrderInput, PlaceOrderResult } from "../../core/flows/index.ts";
import type { NumberedOrder } from "../../core/orders/index.ts";
import type { CoreContext } from "../../core/shared/index.ts";
import type { WithdrawPorts } from "../distributor/withdraw-ports.ts";

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
  /** Real-name verification (`/verify`); absent: the bot says verification is not available. */
  kyc?: Pick<Kyc, "state" | "sealName" | "submit">;
  /** A distributor's withdrawals (`/withdraw`); absent: the bot says withdrawals are not available. */
  withdraw?: WithdrawPorts;
  /** Absent when no payment provider is configured (top-ups then say so). */
  payments?: {
    startTopUp(
      ctx: CoreContext,
      input: { userId: string; amount: bigint; currency: string; idempotencyKey: string },
    ): Promise<{ checkoutUrl: string }>;
    /** Credits a Telegram Stars payment to the user's XTR wallet, once per chargeId (invoices `o:<orderId>`). */
    confirmStars?(
      ctx: CoreContext,
      input: { userId: string; orderId: string; chargeId: string; amount: bigint; currency: string },
    ): Promise<unknown>;
    /** Stars are offered for orders of any price (invoices `s:<paymentId>`): see `StarsPorts`. */
    stars?: StarsPorts;
  };
}

/** A Stars payment issued for an order's invoice (payments.startStarsPayment). */
export interface StarsInvoicePayment {
  paymentId: string;
  orderId: string;
  userId: string;
  status: "PENDING" | "SUCCEEDED" | "FAILED" | "REFUNDED";
  /** Stars charged. */
  stars: bigint;
  /** The order's price the Stars stand for (CNY for a CNY order; the Stars themselves for an XTR one). */
  credit: { amount: bigint; currency: string };
  /** Stars per major unit of `credit.currency` the Stars were priced at (null for an XTR order). */
  rate: string | null;
}

export interface StarsPorts {
  /** The Stars price of an amount at the configured rate (rounded up); null when Stars cannot pay it. */
  quote(amount: bigint, currency: string): bigint | null;
  /** The PENDING Stars payment an order's invoice is issued for; null when Stars cannot pay the order's currency. */
  start(
    ctx: CoreContext,
    input: { userId: string; orderId: string; amount: bigint; currency: string },
  ): Promise<StarsInvoicePayment | null>;
  get(ctx: CoreContext, paymentId: string): Promise<StarsInvoicePayment | null>;
  /** The Stars charged for an order (its Telegram Stars charge), or null when it was not paid in Stars. */
  chargedFor?(ctx: CoreContext, orderId: string): Promise<bigint | null>;
  /**
   * Telegram charged the buyer for the invoice of `paymentId`: credits the order's price to their wallet once
   * per charge (a second charge for one invoice is credited too, never lost); returns the invoice's payment.
   */
  confirm(
    ctx: CoreContext,
    input: { userId: string; paymentId: string; chargeId: string; amount: bigint; currency: string },
  ): Promise<StarsInvoicePayment>;
}
