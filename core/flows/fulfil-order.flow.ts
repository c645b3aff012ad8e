import type { Product } from "../catalog/index.ts";
import { ORDER_NOT_AT_STATUS, type Order, type OrderStatus } from "../orders/index.ts";
import { DomainError, kamengFailure, notFound, type CoreContext, type SqlTx } from "../shared/index.ts";
import { afterDeferredPosting, FulfilmentRetry, Rollback, type FlowRuntime } from "./flow-deps.ts";
import type { SupplierCandidatePort, SupplierOutcomePort } from "./ports.ts";
import { settlementPosting } from "./settlement-posting.ts";

export { settlementPosting } from "./settlement-posting.ts";

export const fulfilOrderFlowId = "fulfil-order";
export const settleOrderStepId = "settle-order";
export const refundOrderStepId = "refund-order";

export interface FulfilResult {
  orderId: string;
  status: OrderStatus;
  /** False when this call changed nothing (already done, or waiting on a supplier). */
  changed: boolean;
  /** True while a supplier has the request and the order waits for its callback or the poller. */
  pending?: boolean;
}

export interface FulfilOptions {
  /** The job's last attempt: known supplier failures refund instead of asking for a retry. */
  finalAttempt?: boolean;
  /**
   * The order as the caller's commit returned it (the first attempt right after placement): the first
   * round starts from it instead of reading it. Every write checks the status it expects, so an order
   * that moved on since is found out and read again.
   */
  known?: Order;
}

const noop = (o: Order, pending = false): FulfilResult => ({
  orderId: o.id,
  status: o.status,
  changed: false,
  pending,
});

/**
 * The `fulfil-order` job body. Idempotent: run twice (or twice at once) it delivers and settles once.
 * CODE: mark the claimed codes sold, settle, DELIVERED — one transaction.
 * DIRECT: PAID → FULFILLING naming the supplier about to be asked (so a resumed run asks the same one
 * first and never buys twice), call it with a request key derived from the order, and on success store
 * the returned codes, settle and deliver in one transaction; fail over on known failures; refund when
 * every supplier has failed for good.
 */
export async function fulfilOrder(
  rt: FlowRuntime,
  ctx: CoreContext,
  input: { orderId: string },
  opts: FulfilOptions = {},
): Promise<FulfilResult> {
  // Each round reads the order and acts on its status. A round that finds the order moved on under it
  // (another run, a callback) goes round again from what it is now; each extra round needs a concurrent
  // change, so a few are plenty — past that the job queue retries later.
  for (let round = 1; ; round++) {
    const known = round === 1 && opts.known?.id === input.orderId ? opts.known : undefined;
    const result = await fulfilRound(rt, ctx, input.orderId, opts, known);
    if (result !== AGAIN) return result;
    if (round >= MAX_ROUNDS) throw new FulfilmentRetry(input.orderId, "the order kept changing while being fulfilled");
  }
}

const AGAIN = Symbol("read the order again");
const MAX_ROUNDS = 5;

async function fulfilRound(
  rt: FlowRuntime,
  ctx: CoreContext,
  orderId: string,
  opts: FulfilOptions,
  known: Order | undefined,
): Promise<FulfilResult | typeof AGAIN> {
  // Read first (no lock): a DIRECT order goes to its supplier without opening a transaction, and a
  // CODE order is delivered by one transaction that locks it and checks its state again.
  const order = known ?? (await rt.orders.store.get(rt.orders.read, orderId));
  if (!order) throw notFound("order_not_found", "no such order", { orderId });
  switch (order.status) {
    // HELD_FOR_REVIEW: held for a risk review; only staff's decision moves it on (approved → PAID).
    case "CREATED":
    case "HELD_FOR_REVIEW":
    case "DELIVERED":
    case "REFUNDED":
    case "EXPIRED":
    case "CANCELLED":
      return noop(order);
    case "FAILED":
      return refundOrder(rt, ctx, order.id, order.failureReason ?? "fulfilment failed");
    case "PAID":
    case "FULFILLING": {
      const product = await rt.routing.product(ctx, order.productId);
      if (!product) throw notFound("product_not_found", "the order's product is gone", { productId: order.productId });
      if (product.deliveryKind !== "CODE") return fulfilDirect(rt, ctx, order, product, opts);
      const fast = await deliverFromStock(rt, ctx, order.id);
      if ("status" in fast) return fast;
      if (!fast.order) throw notFound("order_not_found", "no such order", { orderId });
      // Not delivered from stock: still PAID/FULFILLING means it is not a stock order after all; any
      // other status means it moved on under us.
      return fast.order.status === "PAID" || fast.order.status === "FULFILLING"
        ? fulfilDirect(rt, ctx, fast.order, product, opts)
        : AGAIN;
    }
  }
}

/**
 * CODE orders: lock the order, mark its claimed codes sold, settle, DELIVERED — one transaction. For
 * anything else (a DIRECT product, an order not PAID/FULFILLING) it changes nothing and returns the
 * order as read under the lock.
 */
async function deliverFromStock(
  rt: FlowRuntime,
  ctx: CoreContext,
  orderId: string,
): Promise<FulfilResult | { order: Order | null }> {
  const first = await deliverFromStockOnce(rt, ctx, orderId);
  if (!("warm" in first)) return first;
  // The product's routing facts were not cached: load them outside any transaction (on the embedded
  // database a read inside would wait for the one connection this transaction holds), then go again.
  const known = {
    product: await rt.routing.product(ctx, first.warm),
    stock: await rt.routing.stockSupplier(ctx, first.warm),
  };
  const second = await deliverFromStockOnce(rt, ctx, orderId, known);
  if ("warm" in second) throw new Error(`routing facts of product ${first.warm} vanished`);
  return second;
}

type RoutingFacts = { product: Product | null; stock: SupplierCandidatePort | null };

async function deliverFromStockOnce(
  rt: FlowRuntime,
  ctx: CoreContext,
  orderId: string,
  known?: RoutingFacts,
): Promise<FulfilResult | { order: Order | null } | { warm: string }> {
  try {
    const delivered = await rt.orders.transaction(async (tx) => {
      const current = await rt.orders.store.getForUpdate(tx, orderId);
      if (!current || (current.status !== "PAID" && current.status !== "FULFILLING")) throw new Rollback(current);
      const facts = known ?? rt.routing.cached(current.productId);
      if (!facts) throw new Rollback({ warm: current.productId });
      if (facts.product?.deliveryKind !== "CODE") throw new Rollback(current);
      await rt.modules.inventory.markSold(ctx, { orderId }, { tx });
      // Our own stock may be linked as a STOCK supplier with a unit cost; without one the cost is zero.
      return settleAndDeliver(rt, ctx, tx, current, facts.stock);
    });
    rt.signals.committed("order.delivered", delivered);
    return { orderId, status: delivered.status, changed: true };
  } catch (e) {
    if (!(e instanceof Rollback)) throw e;
    const r = e.result as Order | null | { warm: string };
    return r && "warm" in r ? r : { order: r };
  }
}

/**
 * Settlement (T+0) from escrow and PAID/FULFILLING → DELIVERED, as the caller's transaction's last
 * statements. An order no longer at those statuses fails the transaction (its settlement key is taken,
 * or the final transition matches nothing): nothing is settled twice.
 */
export async function settleAndDeliver(
  rt: FlowRuntime,
  ctx: CoreContext,
  tx: SqlTx,
  order: Order,
  supplier: { supplierId: string; cost: bigint } | null,
): Promise<Order> {
  const { posting, cost: c } = settlementPosting(rt.modules.accounts, order, supplier, false);
  let settleTxId: string | undefined;
  if (posting) {
    const posted = await rt.modules.ledger.post(
      ctx,
      posting,
      // A refused settlement rolls the whole transaction back: no savepoint needed, and the posting
      // rides along with the transition below (one round trip less; its failure arrives there).
      { tx, callerRollsBackOnFailure: true, deferred: true },
    );
    if (!posted.ok) throw new Error(`settlement of order ${order.id} was refused: ${posted.code} on ${posted.account}`);
    settleTxId = posted.transactionId;
  }
  // Last statement, sent with COMMIT where the runner can (the order row is locked by the caller).
  return afterDeferredPosting(rt, false, () =>
    rt.orders.store.finalTransition(tx, {
      orderId: order.id,
      path: ["PAID", "FULFILLING", "DELIVERED"],
      set: {
        settleTxId,
        deliveredAt: rt.clock.now(),
        ...(supplier ? { supplierId: supplier.supplierId, costTotal: c } : {}),
      },
    }),
  );
}

const httpOnly = (cs: SupplierCandidatePort[]) => cs.filter((c) => c.kind !== "STOCK");

async function fulfilDirect(
  rt: FlowRuntime,
  ctx: CoreContext,
  order: Order,
  product: Product,
  opts: FulfilOptions,
): Promise<FulfilResult | typeof AGAIN> {
  if (order.status === "PAID") return firstAttempt(rt, ctx, order, product, opts);
  const all = await rt.modules.suppliers.candidates(ctx, order.productId, { includeOpen: true });
  return failover(rt, ctx, order, product, opts, all);
}

/**
 * A PAID DIRECT order's first attempt (issue 15 §3): routed from the cached candidates, PAID →
 * FULFILLING naming the first one and its request row in one transaction (one round trip), the
 * purchase sent, and on success the outcome recorded by the delivery transaction — so an order costs
 * its placement and these two transactions. Anything but a success goes on as a resumed run would:
 * the outcome recorded, the breaker told, and `failover` from the next candidate.
 */
async function firstAttempt(
  rt: FlowRuntime,
  ctx: CoreContext,
  order: Order,
  product: Product,
  opts: FulfilOptions,
): Promise<FulfilResult | typeof AGAIN> {
  const all = await rt.routing.supplierCandidates(ctx, order.productId);
  const first = httpOnly(all.filter((c) => c.circuit !== "open"))[0] ?? httpOnly(all)[0];
  if (!first) return refundOrder(rt, ctx, order.id, "no supplier for this product");
  const supplierId = first.supplierId;
  const requestKey = rt.modules.suppliers.requestKey(order.id, supplierId);
  let started: Order;
  try {
    started = await rt.orders.transaction(async (tx) => {
      await rt.modules.suppliers.openRequest(ctx, { requestKey, orderId: order.id, supplierId }, { tx });
      return rt.orders.store.finalTransition(tx, {
        orderId: order.id,
        path: ["PAID", "FULFILLING"],
        set: { supplierId },
      });
    });
  } catch (e) {
    // Not PAID any more (another run started it, or it was refunded): go by what it is now.
    if (kamengFailure(e)?.reason === ORDER_NOT_AT_STATUS) return AGAIN;
    throw e;
  }
  rt.signals.committed("order.fulfilling", started);
  const outcome = await rt.modules.suppliers.send(ctx, {
    supplierId,
    requestKey,
    orderId: order.id,
    sku: first.supplierSku ?? product.sku,
    quantity: order.quantity,
    target: order.target,
  });
  let recorded = outcome;
  if (outcome.status !== "succeeded") {
    // The breaker's state changed here (or the supplier is slow): route from a fresh read next time.
    rt.routing.forgetSuppliers(order.productId);
    recorded = await rt.modules.suppliers.recordOutcome(ctx, { supplierId, requestKey, outcome });
    if (recorded.status === "failed" && recorded.unknown)
      recorded = await rt.modules.suppliers.query(ctx, { supplierId, requestKey });
  }
  if (recorded.status === "succeeded") {
    await rt.signals.afterSupplierCall?.(started, recorded);
    return deliverDirect(rt, ctx, started, supplierId, first.cost, recorded);
  }
  if (recorded.status === "pending") return noop(started, true);
  if (recorded.unknown) throw new FulfilmentRetry(order.id, `supplier outcome unknown (${recorded.reason})`);
  // A known failure: nothing was bought there. Fail over to the next candidate.
  const fresh = await rt.modules.suppliers.candidates(ctx, order.productId, { includeOpen: true });
  return failover(rt, ctx, started, product, opts, fresh, { supplierId, retryable: recorded.retryable });
}

/** A FULFILLING order: ask its supplier (it may have the request already), fail over on known failures. */
async function failover(
  rt: FlowRuntime,
  ctx: CoreContext,
  order: Order,
  product: Product,
  opts: FulfilOptions,
  all: SupplierCandidatePort[],
  /** The supplier the first attempt just failed at for good (known failure): go on from the next one. */
  failed?: { supplierId: string; retryable: boolean },
): Promise<FulfilResult | typeof AGAIN> {
  // Same ranking without the open circuits (candidates() ranks open ones last).
  const healthy = all.filter((c) => c.circuit !== "open");
  const http = httpOnly;
  const byId = new Map(all.map((c) => [c.supplierId, c]));

  let current = order;
  let resumed = !failed && order.status === "FULFILLING" && order.supplierId !== null;

  const tried = new Set<string>(failed ? [failed.supplierId] : []);
  let retryable = failed?.retryable ?? false;
  let supplierId = failed ? null : current.supplierId;
  for (;;) {
    if (!supplierId) {
      const next =
        http(healthy).find((c) => !tried.has(c.supplierId)) ?? http(all).find((c) => !tried.has(c.supplierId));
      if (!next) break;
      const switched = await rt.orders.store.switchSupplier(
        rt.orders.read,
        order.id,
        current.supplierId,
        next.supplierId,
      );
      if (!switched) {
        // Someone else moved the order on (a callback, another run): let its state decide.
        const now = await rt.orders.store.get(rt.orders.read, order.id);
        return now ? noop(now) : noop(current);
      }
      current = switched;
      supplierId = next.supplierId;
    }
    const cand = byId.get(supplierId);
    const requestKey = rt.modules.suppliers.requestKey(order.id, supplierId);
    const sid = supplierId;
    const place = (): Promise<SupplierOutcomePort> =>
      rt.modules.suppliers.place(ctx, {
        supplierId: sid,
        requestKey,
        orderId: order.id,
        sku: cand?.supplierSku ?? product.sku,
        quantity: order.quantity,
        target: order.target,
      });
    let outcome: SupplierOutcomePort;
    if (resumed) {
      // A run before us may have reached the supplier: ask before placing (placing again is also safe: the
      // supplier dedupes on the request key).
      const asked = await rt.modules.suppliers.query(ctx, { supplierId, requestKey }).catch((e: unknown) => {
        // No request row yet: the run that moved the order to FULFILLING has not reached the supplier.
        if (e instanceof DomainError && e.code === "supplier_request_not_found") return null;
        throw e;
      });
      outcome = asked === null || (asked.status === "failed" && asked.reason === "not_found") ? await place() : asked;
      resumed = false;
    } else {
      outcome = await place();
      if (outcome.status === "failed" && outcome.unknown)
        outcome = await rt.modules.suppliers.query(ctx, { supplierId, requestKey });
    }

    if (outcome.status === "succeeded") {
      await rt.signals.afterSupplierCall?.(current, outcome);
      return deliverDirect(rt, ctx, current, supplierId, cand?.cost ?? null, outcome);
    }
    if (outcome.status === "pending") return noop(current, true);
    if (outcome.unknown) throw new FulfilmentRetry(order.id, `supplier outcome unknown (${outcome.reason})`);
    // A known failure: nothing was bought there. Fail over.
    if (outcome.retryable) retryable = true;
    tried.add(supplierId);
    supplierId = null;
  }
  if (retryable && !opts.finalAttempt) throw new FulfilmentRetry(order.id, "every supplier failed; some may recover");
  return refundOrder(rt, ctx, order.id, "every supplier failed");
}

async function deliverDirect(
  rt: FlowRuntime,
  ctx: CoreContext,
  order: Order,
  supplierId: string,
  unitCost: bigint | null,
  outcome: Extract<SupplierOutcomePort, { status: "succeeded" }>,
): Promise<FulfilResult> {
  try {
    // No read first: the order's amounts are fixed, and the transition (last) locks it and moves it
    // only from FULFILLING, so the whole delivery is one round trip; an order that moved on under us
    // fails the transaction (its settlement key is taken, or the transition matches nothing).
    const requestKey = rt.modules.suppliers.requestKey(order.id, supplierId);
    const delivered = await rt.orders.transaction(async (tx) => {
      // The request's outcome is written with the delivery (a recorded success stands unchanged).
      await rt.modules.suppliers.recordSuccess(ctx, { supplierId, requestKey, outcome }, { tx });
      if (outcome.codes?.length)
        await rt.modules.inventory.addSupplierCodes(
          ctx,
          { productId: order.productId, orderId: order.id, supplierId, codes: outcome.codes },
          { tx },
        );
      return settleAndDeliver(rt, ctx, tx, order, { supplierId, cost: unitCost ?? 0n });
    });
    rt.signals.committed("order.delivered", delivered);
    return { orderId: order.id, status: delivered.status, changed: true };
  } catch (e) {
    // Still FULFILLING (or gone): a real failure, for the job to retry.
    const now = await rt.orders.store.get(rt.orders.read, order.id);
    if (!now || now.status === "FULFILLING") throw e;
    // The success still belongs on the request's row (it rolled back with the delivery).
    const requestKey = rt.modules.suppliers.requestKey(order.id, supplierId);
    await rt.modules.suppliers
      .recordOutcome(ctx, { supplierId, requestKey, outcome })
      .catch((err: unknown) =>
        rt.signals.warn({ err, orderId: order.id, requestKey }, "recording a supplier's success failed"),
      );
    if (now.status === "REFUNDED" || now.status === "FAILED")
      rt.signals.warn(
        { orderId: order.id, supplierId, status: now.status },
        "a supplier reported success for an order already refunded: reconcile with the supplier",
      );
    return noop(now);
  }
}

/**
 * PAID/FULFILLING/FAILED → REFUNDED in one transaction: release reserved codes, reverse the payment
 * (`wallet +T, escrow −T`), record the reason. Idempotent.
 */
export async function refundOrder(
  rt: FlowRuntime,
  ctx: CoreContext,
  orderId: string,
  reason: string,
  /**
   * `delivered`: a DELIVERED order may be refunded too (staff only: the facade's `refund`, never a job).
   * `held`: only an order HELD_FOR_REVIEW (a rejected or timed-out risk review); `inTx` runs in the
   * refund's transaction once the order is refunded (the risk case closed next to it).
   */
  opts: { delivered?: boolean; held?: boolean; inTx?: (tx: SqlTx, order: Order) => Promise<void> } = {},
): Promise<FulfilResult> {
  try {
    const refunded = await rt.orders.transaction(async (tx) => {
      const current = await rt.orders.store.getForUpdate(tx, orderId);
      if (!current) throw notFound("order_not_found", "no such order", { orderId });
      if (current.status === "DELIVERED" && opts.delivered) return refundDelivered(rt, ctx, tx, current, reason);
      const refundable = opts.held ? ["HELD_FOR_REVIEW"] : ["PAID", "FULFILLING", "FAILED"];
      if (!refundable.includes(current.status)) throw new Rollback(current);
      await rt.modules.inventory.release(ctx, { orderId }, { tx });
      let refundTxId: string | undefined;
      if (current.paymentTxId) {
        const reversed = await rt.modules.ledger.reverse(
          ctx,
          { transactionId: current.paymentTxId, idempotencyKey: `order-refund:${orderId}`, reason },
          { tx },
        );
        if (!reversed.ok) throw new Error(`refund of order ${orderId} was refused: ${reversed.code}`);
        refundTxId = reversed.transactionId;
      }
      const transition = {
        orderId,
        path: opts.held
          ? (["HELD_FOR_REVIEW", "REFUNDED"] as const)
          : (["PAID", "FULFILLING", "FAILED", "REFUNDED"] as const),
        reason,
        set: { refundTxId, failureReason: reason, closedAt: rt.clock.now() },
        eventPayload: { reason },
      };
      if (!opts.inTx) return rt.orders.store.finalTransition(tx, transition);
      const refunded = await rt.orders.store.transition(tx, transition);
      if (!refunded) throw new Rollback(current);
      await opts.inTx(tx, refunded);
      return refunded;
    });
    rt.signals.committed("order.refunded", refunded);
    return { orderId, status: refunded.status, changed: true };
  } catch (e) {
    if (e instanceof Rollback) return noop(e.result as Order);
    throw e;
  }
}

/**
 * DELIVERED → REFUNDED under the order's lock: the delivered codes are burned (the buyer has seen them),
 * the settlement is reversed and then the payment (when it was a posting of its own), so the buyer's
 * wallet gets the total back once — each reversal has its own idempotency key.
 */
async function refundDelivered(
  rt: FlowRuntime,
  ctx: CoreContext,
  tx: SqlTx,
  order: Order,
  reason: string,
): Promise<Order> {
  await rt.modules.inventory.burnSold(ctx, { orderId: order.id }, { tx });
  let refundTxId: string | undefined;
  // The settlement's reversal claws back each commission and referral reward: what a wallet can no
  // longer cover becomes its owner's receivable (netted against later commission), never a negative wallet.
  const postings = [
    { transactionId: order.settleTxId, key: `order-refund-settlement:${order.id}`, shortfallToReceivable: true },
    // Paid and settled by one posting (delivered at placement): the payment is that same posting.
    ...(order.paymentTxId !== order.settleTxId
      ? [{ transactionId: order.paymentTxId, key: `order-refund:${order.id}` }]
      : []),
  ];
  for (const { transactionId, key, ...more } of postings) {
    if (!transactionId) continue;
    const reversed = await rt.modules.ledger.reverse(
      ctx,
      { transactionId, idempotencyKey: key, reason, ...more },
      { tx },
    );
    if (!reversed.ok) throw new Error(`refund of delivered order ${order.id} was refused: ${reversed.code}`);
    refundTxId = reversed.transactionId;
  }
  return rt.orders.store.finalTransition(tx, {
    orderId: order.id,
    path: ["DELIVERED", "REFUNDED"],
    reason,
    set: { refundTxId, closedAt: rt.clock.now() },
    eventPayload: { reason },
  });
}

/**
 * A supplier's callback (or the poller's answer) for a request of this order. Success delivers (once);
 * a known failure continues the failover; anything else waits.
 */
export async function applySupplierOutcome(
  rt: FlowRuntime,
  ctx: CoreContext,
  input: { orderId: string; supplierId: string; outcome: SupplierOutcomePort },
): Promise<FulfilResult> {
  const order = await rt.orders.store.get(rt.orders.read, input.orderId);
  if (!order) throw notFound("order_not_found", "no such order", { orderId: input.orderId });
  const { outcome } = input;
  if (order.status !== "FULFILLING") {
    if (outcome.status === "succeeded" && (order.status === "REFUNDED" || order.status === "FAILED"))
      rt.signals.warn(
        { orderId: order.id, supplierId: input.supplierId },
        "a supplier reported success for an order already refunded: reconcile with the supplier",
      );
    return noop(order);
  }
  if (order.supplierId !== input.supplierId) {
    // A supplier we failed over from reports success after all: the order is (or will be) bought
    // elsewhere, so this one must be reconciled with that supplier by hand.
    if (outcome.status === "succeeded")
      rt.signals.warn(
        { orderId: order.id, supplierId: input.supplierId, current: order.supplierId },
        "a supplier we failed over from reported success: reconcile with the supplier",
      );
    return noop(order);
  }
  if (outcome.status === "succeeded") {
    const cand = (await rt.modules.suppliers.candidates(ctx, order.productId, { includeOpen: true })).find(
      (c) => c.supplierId === input.supplierId,
    );
    return deliverDirect(rt, ctx, order, input.supplierId, cand?.cost ?? null, outcome);
  }
  if (outcome.status === "pending" || outcome.unknown) return noop(order, true);
  // A known failure at the current supplier: resume, which asks it once more (deduped) and fails over.
  return fulfilOrder(rt, ctx, { orderId: order.id });
}
