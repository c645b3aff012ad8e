import type { Catalog } from "../../core/catalog/index.ts";
import type { Orders } from "../../core/flows/index.ts";
import type { Inventory } from "../../core/inventory/index.ts";
import type { Ledger } from "../../core/ledger/index.ts";
import { walletCode } from "../../core/ledger/index.ts";
import type { Payment, Payments } from "../../core/payments/index.ts";
import { delegate, type Currency } from "../../core/shared/index.ts";
import type { ShopPorts, StarsInvoicePayment, StarsPorts } from "./ports.ts";

/** The payments module's calls the bot uses. */
export type PaymentsLike = Pick<Payments, "startTopUp" | "createPayment" | "confirm"> &
  Partial<Pick<Payments, "getPayment" | "quoteStars" | "startStarsPayment" | "findStarsChargeForOrder">>;

export interface CoreModules {
  catalog: Pick<Catalog, "listCategories" | "getCategory" | "listProducts" | "getProduct" | "quote" | "validateTarget">;
  inventory: Pick<Inventory, "availableCounts" | "subscribeRestock" | "dueRestockNotifications">;
  orders: Pick<Orders, "place" | "get" | "listForUser" | "codesFor" | "markPaid">;
  ledger: Pick<Ledger, "balance" | "post">;
  payments?: PaymentsLike;
  kyc?: NonNullable<ShopPorts["kyc"]>;
  withdraw?: NonNullable<ShopPorts["withdraw"]>;
  /** Overrides how a Telegram Stars charge is credited (default: payments.createPayment + confirm). */
  confirmStars?: NonNullable<ShopPorts["payments"]>["confirmStars"];
}

/** Builds the shop bot's ports from the real core modules. */
export function shopPortsFromCore(m: CoreModules): ShopPorts {
  // Display-only stock counts (product lists) may be a moment old; decisions always read fresh.
  const stockCache = new Map<string, { at: number; n: number }>();
  // A turn reads its product several times (card, limits, confirmation): once per turn (request id),
  // and never older than a moment (a request id reused outside turns must not pin an old row).
  const turnProducts = new Map<string, { at: number; p: ReturnType<CoreModules["catalog"]["getProduct"]> }>();
  return {
    catalog: {
      listCategories: (ctx) => m.catalog.listCategories(ctx),
      getCategory: (ctx, id) => m.catalog.getCategory(ctx, id),
      listProducts: (ctx, input) => m.catalog.listProducts(ctx, input),
      getProduct(ctx, id) {
        const key = `${ctx.requestId}\u0000${id}`;
        const now = Date.now();
        const hit = turnProducts.get(key);
        if (hit && now - hit.at < 2_000) return hit.p;
        if (turnProducts.size >= 500) turnProducts.delete(turnProducts.keys().next().value!);
        const p = m.catalog.getProduct(ctx, id);
        p.catch(() => turnProducts.delete(key));
        turnProducts.set(key, { at: now, p });
        return p;
      },
      quote: (ctx, input) => m.catalog.quote(ctx, input),
      validateTarget: (ctx, input) => m.catalog.validateTarget(ctx, input),
    },
    orders: {
      place: (ctx, input) => m.orders.place(ctx, input),
      get: (ctx, input) => m.orders.get(ctx, input),
      listForUser: (ctx, input) => m.orders.listForUser(ctx, input),
      codesFor: (ctx, input) => m.orders.codesFor(ctx, input),
      markPaid: (ctx, input) => m.orders.markPaid(ctx, input),
    },
    stock: {
      async available(ctx, productId, opts) {
        const now = Date.now();
        const hit = opts?.maxAgeMs ? stockCache.get(productId) : undefined;
        if (hit && now - hit.at <= opts!.maxAgeMs!) return hit.n;
        const n = (await m.inventory.availableCounts(ctx, { productIds: [productId] })).get(productId) ?? 0;
        if (stockCache.size > 5_000) stockCache.clear();
        stockCache.set(productId, { at: now, n });
        return n;
      },
      subscribeRestock: (ctx, input) => m.inventory.subscribeRestock(ctx, input),
      dueRestockNotifications: (ctx, input) => m.inventory.dueRestockNotifications(ctx, input),
    },
    wallet: {
      async balance(ctx, { userId, currency }) {
        return (await m.ledger.balance(ctx, walletCode(userId, currency as never))).available;
      },
    },
    ...(m.payments ? { payments: paymentsPort(m.payments, m.confirmStars) } : {}),
    ...(m.kyc ? { kyc: m.kyc } : {}),
    ...(m.withdraw ? { withdraw: m.withdraw } : {}),
  };
}

function paymentsPort(
  payments: PaymentsLike,
  confirmStars?: NonNullable<ShopPorts["payments"]>["confirmStars"],
): NonNullable<ShopPorts["payments"]> {
  return {
    startTopUp: (ctx, input) =>
      payments.startTopUp(ctx, { ...input, currency: input.currency as Currency, provider: "sandbox" }),
    confirmStars:
      confirmStars ??
      (async (buyerCtx, { userId, orderId, chargeId, amount, currency }) => {
        // Telegram reported the charge (a verified update): recording it is the platform's business.
        const ctx = delegate(buyerCtx, "telegram-stars");
        // One payment per Telegram charge: a second charge is credited too (never lost), and the
        // order, already paid, is simply not paid twice.
        const { payment } = await payments.createPayment(ctx, {
          provider: "telegram_stars",
          purpose: "order",
          userId,
          orderId,
          amount,
          currency: currency as Currency,
          idempotencyKey: `stars:${chargeId}`,
        });
        const r = await payments.confirm(ctx, {
          provider: "telegram_stars",
          paymentId: payment.id,
          externalId: chargeId,
          amount,
          currency: currency as Currency,
        });
        if (!r.ok) throw new Error(`Stars payment ${payment.id} not confirmed: ${r.code}`);
        return r;
      }),
    ...(payments.getPayment && payments.quoteStars && payments.startStarsPayment && payments.findStarsChargeForOrder
      ? { stars: starsPort(payments as Required<PaymentsLike>) }
      : {}),
  };
}

function invoicePayment(p: Payment): StarsInvoicePayment | null {
  if (p.provider !== "telegram_stars" || p.purpose !== "order" || !p.orderId) return null;
  return {
    paymentId: p.id,
    orderId: p.orderId,
    userId: p.userId,
    status: p.status,
    stars: p.amount,
    credit: p.credit
      ? { amount: p.credit.amount, currency: p.credit.currency }
      : { amount: p.amount, currency: p.currency },
    rate: p.credit?.exchangeRate ?? null,
  };
}

/** Stars for orders of any price: one PENDING payment per invoice, confirmed by the charge Telegram reports. */
function starsPort(payments: Required<PaymentsLike>): StarsPorts {
  return {
    quote: (amount, currency) => payments.quoteStars(amount, currency as Currency)?.stars ?? null,
    async start(ctx, input) {
      const r = await payments.startStarsPayment(ctx, { ...input, currency: input.currency as Currency });
      return r.ok ? invoicePayment(r.payment) : null;
    },
    async get(ctx, paymentId) {
      const p = await payments.getPayment(ctx, paymentId);
      return p ? invoicePayment(p) : null;
    },
    async chargedFor(ctx, orderId) {
      return (await payments.findStarsChargeForOrder(ctx, { orderId }))?.amount ?? null;
    },
    async confirm(buyerCtx, { userId, paymentId, chargeId, amount, currency }) {
      // Telegram reported the charge (a verified update): recording it is the platform's business.
      const ctx = delegate(buyerCtx, "telegram-stars");
      const p = await payments.getPayment(ctx, paymentId);
      const invoice = p && p.userId === userId ? invoicePayment(p) : null;
      if (!p || !invoice) throw new Error(`no Stars invoice payment ${paymentId}`);
      let target = p;
      if (p.status !== "PENDING" && p.status !== "FAILED" && p.externalId !== chargeId) {
        // A second charge for one invoice (two pre-checkouts approved at once): credited too, never lost.
        target = (
          await payments.createPayment(ctx, {
            provider: "telegram_stars",
            purpose: "order",
            userId,
            orderId: p.orderId!,
            amount: p.amount,
            currency: p.currency,
            ...(p.credit ? { credit: p.credit } : {}),
            idempotencyKey: `stars:${chargeId}`,
          })
        ).payment;
      }
      const r = await payments.confirm(ctx, {
        provider: "telegram_stars",
        paymentId: target.id,
        externalId: chargeId,
        amount,
        currency: currency as Currency,
      });
      if (!r.ok) throw new Error(`Stars payment ${target.id} not confirmed: ${r.code}`);
      return invoice;
    },
  };
}
