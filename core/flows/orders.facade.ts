import type { Product } from "../catalog/index.ts";
import { recordEvents } from "../events/index.ts";
import {
  createBackorderQueue,
  createOrderReads,
  createOrderStore,
  parseOrderRef,
  type NumberedOrder,
  type Order,
  type OrderEventRow,
} from "../orders/index.ts";
import {
  assertExhaustive,
  authorize,
  can,
  conflict,
  delegate,
  forbidden,
  formatMoney,
  invalidData,
  notFound,
  requires,
  withAccess,
  type CoreContext,
  type Currency,
  type Permission,
  type SqlTx,
} from "../shared/index.ts";
import {
  fillAllBackorders,
  fillBackorder,
  fillBackorders,
  refundOverdueBackorders,
  rerouteBackorder,
} from "./backorders.flow.ts";
import { retryWithAnotherSupplier } from "./retry-supplier.flow.ts";
import { ORDER_HIDDEN, type FlowRuntime, type OrderFlowDeps, type RoutingCache } from "./flow-deps.ts";
import {
  applySupplierOutcome,
  fulfilOrder,
  refundOrder,
  type FulfilOptions,
  type FulfilResult,
} from "./fulfil-order.flow.ts";
import {
  cancelOrder,
  expireDueOrders,
  payFromWallet,
  placeOrder,
  quoteOrder,
  type PayOrderResult,
  type PlaceOrderInput,
  type PlaceOrderResult,
} from "./place-order.flow.ts";
import { createIdempotencyLookups } from "./idempotency-lookups.ts";
import { ProductGates } from "./place-order.gate.ts";
import { heldOrderIds, refundHeld, releaseHeld, type HeldDecision } from "./held-orders.flow.ts";
import type { SupplierCandidatePort, SupplierOutcomePort } from "./ports.ts";

/**
 * The orders facade (docs/modules.md "core/orders and core/flows"): placement, payment, fulfilment,
 * refunds, expiry and reads, composed from the order store and the other modules.
 */
export function createOrders(deps: OrderFlowDeps) {
  const store = createOrderStore({ clock: deps.clock });
  const orderReads = createOrderReads();
  const cacheMs = deps.productCacheMs ?? 5_000;
  const products = new Map<string, { at: number; product: Product }>();
  const stockLinks = new Map<string, { at: number; link: SupplierCandidatePort | null }>();
  const candidates = new Map<string, { at: number; list: SupplierCandidatePort[] }>();
  /**
   * A product's (or its stock link's) read in flight: callers that miss the cache meanwhile share it, so a
   * burst of buyers of a product nobody asked for in the last `cacheMs` (a drop) costs one read, not one
   * each. `forget` drops it too: a caller after that reads afresh, and the read dropped fills no cache.
   */
  const productReads = new Map<string, Promise<Product | null>>();
  const stockReads = new Map<string, Promise<SupplierCandidatePort | null>>();
  function shared<T>(reads: Map<string, Promise<T>>, key: string, read: () => Promise<T>, keep: (v: T) => void) {
    const inFlight = reads.get(key);
    if (inFlight) return inFlight;
    const p: Promise<T> = read().then(
      (v) => {
        if (reads.get(key) === p) {
          reads.delete(key);
          keep(v);
        }
        return v;
      },
      (e: unknown) => {
        if (reads.get(key) === p) reads.delete(key);
        throw e;
      },
    );
    reads.set(key, p);
    return p;
  }
  const routing: RoutingCache = {
    async product(ctx, productId) {
      const now = deps.clock.now().getTime();
      const hit = products.get(productId);
      if (hit && now - hit.at < cacheMs) return hit.product;
      return shared(
        productReads,
        productId,
        () => deps.catalog.getProduct(ctx, productId),
        (product) => {
          if (!product) return;
          if (products.size > 10_000) products.clear();
          products.set(productId, { at: now, product });
        },
      );
    },
    forget(productId) {
      products.delete(productId);
      productReads.delete(productId);
    },
    async stockSupplier(ctx, productId) {
      const now = deps.clock.now().getTime();
      const hit = stockLinks.get(productId);
      if (hit && now - hit.at < cacheMs) return hit.link;
      return shared(
        stockReads,
        productId,
        async () =>
          (await deps.suppliers.candidates(ctx, productId, { includeOpen: true })).find((c) => c.kind === "STOCK") ??
          null,
        (link) => {
          if (stockLinks.size > 10_000) stockLinks.clear();
          stockLinks.set(productId, { at: now, link });
        },
      );
    },
    async supplierCandidates(ctx, productId) {
      const now = deps.clock.now().getTime();
      const hit = candidates.get(productId);
      if (hit && now - hit.at < cacheMs) return hit.list;
      const list = await deps.suppliers.candidates(ctx, productId, { includeOpen: true });
      if (candidates.size > 10_000) candidates.clear();
      candidates.set(productId, { at: now, list });
      return list;
    },
    forgetSuppliers(productId) {
      candidates.delete(productId);
    },
    cached(productId) {
      const now = deps.clock.now().getTime();
      const p = products.get(productId);
      const l = stockLinks.get(productId);
      if (!p || !l || now - p.at >= cacheMs || now - l.at >= cacheMs) return undefined;
      return { product: p.product, stock: l.link };
    },
  };
  const rt: FlowRuntime = {
    orders: {
      store,
      backorders: createBackorderQueue(),
      transaction: (fn) => deps.sql.transaction(fn),
      read: deps.sql,
      idempotency: createIdempotencyLookups((keys) => store.findByIdempotencyKeys(deps.sql, keys)),
    },
    modules: {
      ledger: deps.ledger,
      accounts: deps.accounts,
      catalog: deps.catalog,
      inventory: deps.inventory,
      suppliers: deps.suppliers,
    },
    routing,
    signals: {
      committed(type, order) {
        if (!order || !deps.hooks?.onCommitted) return;
        try {
          deps.hooks.onCommitted({ type, order });
        } catch (e) {
          deps.hooks.warn?.({ err: e, orderId: order.id }, "onCommitted hook failed (the outbox relay will catch up)");
        }
      },
      warn: (obj, msg) => deps.hooks?.warn?.(obj, msg),
      ...(deps.hooks?.afterSupplierCall ? { afterSupplierCall: deps.hooks.afterSupplierCall } : {}),
    },
    placement: {
      paymentWindowMs: deps.paymentWindowMs,
      deciders: deps.deciders ?? [],
      ...(deps.heldAtPayment ? { heldAtPayment: deps.heldAtPayment } : {}),
      ...(deps.chain ? { chain: deps.chain } : {}),
      gates: new ProductGates(deps.placementsPerProduct ?? 16),
    },
    clock: deps.clock,
  };

  /** The order, if the actor may `permission` it: its owner, staff with the permission, the platform. */
  const owned = async (ctx: CoreContext, orderId: string, permission: Permission): Promise<NumberedOrder> => {
    const order = await orderReads.get(rt.orders.read, orderId);
    // The same answer as for someone else's order (ORDER_HIDDEN): no details that tell them apart.
    if (!order) throw notFound(ORDER_HIDDEN.code, ORDER_HIDDEN.message);
    authorize(ctx, permission, { owner: order.userId, hide: ORDER_HIDDEN });
    return order;
  };

  const facade = {
    place: (ctx: CoreContext, input: PlaceOrderInput): Promise<PlaceOrderResult> => placeOrder(rt, ctx, input),
    /** The price breakdown placing this order would have now (a shop's chain included); writes nothing. */
    quote: (ctx: CoreContext, input: Omit<PlaceOrderInput, "idempotencyKey" | "payWith">) => quoteOrder(rt, ctx, input),
    payFromWallet: (ctx: CoreContext, input: { orderId: string }): Promise<PayOrderResult> =>
      payFromWallet(rt, ctx, input),
    /** External payments (e.g. Stars) credit the wallet first (payments.confirm); then the order pays from it. */
    markPaid: (ctx: CoreContext, input: { orderId: string; paymentId?: string }): Promise<PayOrderResult> =>
      payFromWallet(rt, ctx, { orderId: input.orderId }),
    cancel: (ctx: CoreContext, input: { orderId: string; reason?: string }) => cancelOrder(rt, ctx, input),
    fulfil: (ctx: CoreContext, input: { orderId: string }, opts?: FulfilOptions): Promise<FulfilResult> =>
      fulfilOrder(rt, ctx, input, opts),
    /** The fulfil job ran out of retries: never leave the order in limbo. */
    refundExhausted: (ctx: CoreContext, input: { orderId: string; reason?: string }): Promise<FulfilResult> =>
      refundOrder(rt, ctx, input.orderId, input.reason ?? "fulfilment retries exhausted"),
    /**
     * Staff (or the platform) refund an order: PAID/FULFILLING/FAILED, or DELIVERED (its codes burned).
     * A staff member calling this directly (CLI, API) may refund at most `staffRefundOver`; above it the
     * refund needs the staff console's approval, which executes it as the platform on their behalf.
     */
    async refund(ctx: CoreContext, input: { orderId: string; reason: string }): Promise<FulfilResult> {
      authorize(ctx, "orders.refund");
      if (ctx.actor?.kind === "staff") {
        const order = await owned(ctx, input.orderId, "orders.refund");
        const over = deps.staffRefundOver?.[order.currency as Currency];
        if (over === undefined || order.total > over)
          throw forbidden(
            "approval_required",
            `refunding ${formatMoney(order.total, order.currency as Currency, "en")} needs a second staff member's approval: ` +
              "request it in the staff console (refund <order> <reason>)",
          );
      }
      return refundOrder(rt, delegate(ctx, "orders.refund"), input.orderId, input.reason, { delivered: true });
    },
    applySupplierOutcome: (
      ctx: CoreContext,
      input: { orderId: string; supplierId: string; outcome: SupplierOutcomePort },
    ): Promise<FulfilResult> => applySupplierOutcome(rt, ctx, input),
    expireDue: (ctx: CoreContext, opts?: { limit?: number }): Promise<number> => expireDueOrders(rt, ctx, opts),
    /**
     * Recovers orders whose job was lost: PAID/FULFILLING/FAILED orders untouched for `olderThanMs` are
     * fulfilled (or refunded) again. Returns the results; one failing order does not stop the rest.
     */
    async sweepStuck(ctx: CoreContext, opts: { olderThanMs?: number; limit?: number; deadlineMs?: number } = {}) {
      const stuck = await store.stuck(rt.orders.read, opts.olderThanMs ?? 30_000, opts.limit ?? 200);
      const deadline = opts.deadlineMs ?? 30 * 60_000;
      const results: Array<FulfilResult | { orderId: string; error: string }> = [];
      for (const { id } of stuck) {
        let result: FulfilResult | { orderId: string; error: string };
        try {
          result = await fulfilOrder(rt, ctx, { orderId: id });
        } catch (e) {
          result = { orderId: id, error: (e as Error).message };
        }
        // Never limbo: past the deadline an order that is still not delivered is refunded.
        if ("error" in result || result.pending) {
          const order = await store.get(rt.orders.read, id);
          const since = order?.paidAt ?? order?.createdAt;
          if (order && since && deps.clock.now().getTime() - since.getTime() > deadline)
            result = await refundOrder(rt, ctx, id, "not fulfilled before the deadline");
        }
        results.push(result);
      }
      return results;
    },
    /**
     * A risk review's decisions on a HELD_FOR_REVIEW order (docs/risk.md): `releaseHeld` → PAID (fulfilment
     * continues), `refundHeld` → REFUNDED from escrow; each changes the order once however many race, and
     * `inTx` runs in its transaction (the risk case closed, the audit written with the change).
     */
    releaseHeld: (
      ctx: CoreContext,
      input: { orderId: string; reason: string },
      inTx?: (tx: SqlTx, order: Order) => Promise<void>,
    ): Promise<HeldDecision> => releaseHeld(rt, ctx, input, inTx),
    refundHeld: (
      ctx: CoreContext,
      input: { orderId: string; reason: string },
      inTx?: (tx: SqlTx, order: Order) => Promise<void>,
    ): Promise<FulfilResult> => refundHeld(rt, ctx, input, inTx),
    /** Orders held for review, oldest first (the staff review queue). */
    async heldOrders(ctx: CoreContext, input: { limit?: number } = {}): Promise<NumberedOrder[]> {
      const ids = await heldOrderIds(rt, { limit: Math.min(Math.max(input.limit ?? 10, 1), 100) });
      const orders = await Promise.all(ids.map((id) => orderReads.get(rt.orders.read, id)));
      return orders.filter((o): o is NumberedOrder => o !== null);
    },
    /** Held orders nobody decided within `olderThanMs` are refunded (the scheduled job); returns how many. */
    async refundOverdueHeld(
      ctx: CoreContext,
      input: { olderThanMs: number; limit?: number },
      inTx?: (tx: SqlTx, order: Order) => Promise<void>,
    ): Promise<number> {
      const due = await heldOrderIds(rt, {
        limit: input.limit ?? 200,
        heldBefore: new Date(deps.clock.now().getTime() - input.olderThanMs),
      });
      let n = 0;
      for (const id of due) {
        const r = await refundHeld(rt, ctx, { orderId: id, reason: "risk review not decided in time" }, inTx);
        if (r.changed) n++;
      }
      return n;
    },
    /** The order, if the actor may read it (its owner, staff with orders.read, the platform). */
    get: (ctx: CoreContext, input: { orderId: string }): Promise<NumberedOrder> =>
      owned(ctx, input.orderId, "orders.read"),
    /**
     * The order someone named: its number as people type it (`#k7m2 9qx4`, any case, with or without `#`,
     * spaces or the dash) or its id. Read like `get`: a buyer finds only their own orders ("no such order"
     * for anyone else's); a mistyped number (its check character does not match) is said to be mistyped.
     */
    async resolveRef(ctx: CoreContext, input: { ref: string }): Promise<NumberedOrder> {
      const ref = parseOrderRef(input.ref);
      switch (ref.kind) {
        case "id":
          return owned(ctx, ref.orderId, "orders.read");
        case "number": {
          const order = await orderReads.byNumber(rt.orders.read, ref.number);
          if (!order) throw notFound(ORDER_HIDDEN.code, ORDER_HIDDEN.message);
          authorize(ctx, "orders.read", { owner: order.userId, hide: ORDER_HIDDEN });
          return order;
        }
        case "mistyped":
          throw invalidData(
            "order_number_mistyped",
            `${ref.number} is not an order number: a character is mistyped (its last character, a check, does not match)`,
          );
        case "invalid":
          throw invalidData("invalid_order_ref", "name an order by its number (like K7M2-9QX4) or its id (a UUID)");
        default:
          return assertExhaustive(ref, "order reference");
      }
    },
    listForUser: (
      ctx: CoreContext,
      input: { userId: string; limit?: number; before?: Date; beforeId?: string },
    ): Promise<NumberedOrder[]> => orderReads.listForUser(rt.orders.read, input.userId, input),
    /** Orders sent to a phone number or account (any of `targets`), newest first: operators finding a buyer. */
    byTargets: (ctx: CoreContext, input: { targets: string[]; limit?: number }): Promise<NumberedOrder[]> =>
      orderReads.byTargets(rt.orders.read, input.targets, input.limit ?? 20),
    /**
     * The order's history, if the actor may read the order. Staff with orders.read and the platform may
     * read any order's, so theirs is read without the order itself (no owner to check; the staff console's
     * look-up has the order in hand already): every order has at least its placement in its history, so
     * none is "no such order", as for `get`. A customer's is checked against the order's owner first.
     */
    events: async (ctx: CoreContext, input: { orderId: string }): Promise<OrderEventRow[]> => {
      if (!can(ctx.actor, "orders.read")) await owned(ctx, input.orderId, "orders.read");
      const events = await store.events(rt.orders.read, input.orderId);
      if (events.length === 0) throw notFound(ORDER_HIDDEN.code, ORDER_HIDDEN.message);
      return events;
    },
    /**
     * Sends a DELIVERED order's codes again, to the buyer's private chats only: an
     * `order.redelivery_requested` event the shop notifier delivers like the delivery. The codes never
     * pass through the caller (staff see them masked).
     */
    async redeliver(ctx: CoreContext, input: { orderId: string }): Promise<NumberedOrder> {
      const order = await owned(ctx, input.orderId, "orders.redeliver");
      if (order.status !== "DELIVERED")
        throw conflict(
          "order_not_delivered",
          `the order is ${order.status}: only a delivered order's codes can be sent again`,
          { status: order.status },
        );
      await recordEvents(rt.orders.read, [
        {
          type: "order.redelivery_requested",
          payload: { orderId: order.id, userId: order.userId, requestedBy: requester(ctx) },
        },
      ]);
      rt.signals.committed("order.redelivery_requested", order);
      return order;
    },
    /** 补单: orders waiting for stock, oldest first (all products, or one). */
    backorders: (ctx: CoreContext, input: { productId?: string; limit?: number } = {}): Promise<NumberedOrder[]> =>
      rt.orders.backorders.list(rt.orders.read, input),
    /**
     * Fills a product's waiting orders from its stock, oldest first (after an import). Whoever may import
     * codes may ask; the deliveries are the platform's.
     */
    fillBackorders: (ctx: CoreContext, input: { productId: string }) =>
      fillBackorders(rt, delegate(ctx, "orders.fillBackorders"), input),
    /** Staff fill one waiting order now, out of turn, from the product's stock. */
    async fillBackorder(ctx: CoreContext, input: { orderId: string }) {
      const order = await owned(ctx, input.orderId, "orders.retry");
      return fillBackorder(rt, delegate(ctx, "orders.fillBackorder"), order);
    },
    /** Staff send a waiting order to the product's suppliers instead (refunded if every one fails). */
    async rerouteBackorder(ctx: CoreContext, input: { orderId: string }): Promise<FulfilResult> {
      const order = await owned(ctx, input.orderId, "orders.retry");
      return rerouteBackorder(rt, delegate(ctx, "orders.rerouteBackorder"), order);
    },
    /** Staff move a FULFILLING order on to the next supplier (its current one asked once more first). */
    async retryWithAnotherSupplier(ctx: CoreContext, input: { orderId: string }) {
      const order = await owned(ctx, input.orderId, "orders.retry");
      return retryWithAnotherSupplier(rt, delegate(ctx, "orders.retryWithAnotherSupplier"), order);
    },
    /** The backorders job: every waiting order that stock can fill now, then refund the overdue ones. */
    async sweepBackorders(ctx: CoreContext, input: { maxWaitMs: number }) {
      const { filled } = await fillAllBackorders(rt, ctx);
      const { refunded } = await refundOverdueBackorders(rt, ctx, input);
      return { filled, refunded };
    },
    /** Decrypted codes of a DELIVERED order, for its owner only (never staff); callers deliver them privately. */
    async codesFor(ctx: CoreContext, input: { orderId: string }) {
      const order = await owned(ctx, input.orderId, "codes.reveal");
      if (order.status !== "DELIVERED") return [];
      return deps.inventory.reveal(delegate(ctx, "orders.codesFor"), { orderId: order.id });
    },
  };
  const fulfil = requires("orders.fulfil");
  const pays = { inside: "orders.pay by the order's owner, checked once the order is read under its lock" };
  const reads = { inside: "orders.read, checked against the order's owner once read" };
  // Customers place, pay, cancel and read their own orders; staff read, refund and retry by role (and
  // never see codes); fulfilment, expiry and sweeps are the platform's.
  return withAccess("orders", facade, {
    place: (ctx, input) => authorize(ctx, "orders.place", { owner: input.userId, hide: USER_HIDDEN }),
    quote: (ctx, input) => authorize(ctx, "orders.place", { owner: input.userId, hide: USER_HIDDEN }),
    payFromWallet: pays,
    markPaid: pays,
    cancel: { inside: "orders.cancel by the order's owner, checked once the order is read" },
    fulfil,
    refundExhausted: fulfil,
    refund: { inside: "orders.refund; a staff member directly: only up to staffRefundOver (else approval_required)" },
    applySupplierOutcome: fulfil,
    releaseHeld: requires("risk.review"),
    refundHeld: requires("risk.review"),
    heldOrders: requires("risk.read"),
    refundOverdueHeld: fulfil,
    expireDue: fulfil,
    sweepStuck: fulfil,
    get: reads,
    resolveRef: reads,
    // Anyone's orders: staff with orders.read and the platform only (a customer names no owner, so is refused).
    byTargets: requires("orders.read"),
    listForUser: (ctx, input) => authorize(ctx, "orders.read", { owner: input.userId, hide: ORDER_HIDDEN }),
    events: {
      inside: "orders.read: staff with it and the platform for any order; a customer against the owner once read",
    },
    redeliver: { inside: "orders.redeliver (support, operator, admin, owner; the platform), checked once read" },
    codesFor: { inside: "codes.reveal: only the order's owner (and the platform delivering them)" },
    backorders: requires("orders.read"),
    fillBackorders: requires("codes.import"),
    fillBackorder: { inside: "orders.retry, checked once the order is read" },
    rerouteBackorder: { inside: "orders.retry, checked once the order is read" },
    sweepBackorders: fulfil,
    retryWithAnotherSupplier: { inside: "orders.retry, checked once the order is read" },
  });
}

/** Who asked, for an event payload: `staff:<user id>`, `system:<process>`. */
function requester(ctx: CoreContext): string {
  const a = ctx.actor;
  if (!a) return "unknown";
  if (a.kind === "system") return `system:${a.process}`;
  return "userId" in a ? `${a.kind}:${a.userId}` : a.kind;
}

const USER_HIDDEN = { code: "user_not_found", message: "no such user" };

export type Orders = ReturnType<typeof createOrders>;
