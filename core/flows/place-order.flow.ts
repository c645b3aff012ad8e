import type { Product } from "../catalog/index.ts";
import { encodePricing, eventTypeFor, ORDER_NOT_INSERTED, type NewOrder, type Order } from "../orders/index.ts";
import {
  authorize,
  delegate,
  conflict,
  kamengFailure,
  newId,
  notFound,
  PG_UNIQUE_VIOLATION,
  requestHash,
  sqlState,
  type CoreContext,
} from "../shared/index.ts";
import { issued, ORDER_HIDDEN, postSettlementLast, Rollback, withLedgerRetry, type FlowRuntime } from "./flow-deps.ts";
import { settlementPosting } from "./fulfil-order.flow.ts";
import { asCreated, payInTx } from "./pay-in-tx.ts";
import { commitBackorderable } from "./place-order.backorder.ts";
import type { PlaceOrderFailure } from "./place-order.failures.ts";
import {
  decideStage,
  priceStage,
  resolveStage,
  type DecidedOrder,
  type PlacementClient,
  type PricedOrder,
  type ResolvedOrder,
} from "./place-order.stages.ts";
import type { DeliveredCode } from "./ports.ts";

export const placeOrderFlowId = "place-order";
export const payOrderStepId = "pay-order-from-wallet";
export { payInTx };

export interface PlaceOrderInput {
  userId: string;
  productId: string;
  quantity: number;
  target?: string | null;
  /** Placed in a distributor's shop: the shop's sale price (docs/distribution.md). */
  shopId?: string | null;
  idempotencyKey: string;
  payWith: "wallet" | "later";
  /** The client's IP and device where the channel knows them (web chat, API): risk signals. */
  client?: PlacementClient;
}

export type PlaceOrderResult =
  | {
      ok: true;
      order: Order;
      replayed: boolean;
      /** A stock order delivered while placed: its codes (owner only; never log them). */
      codes?: DeliveredCode[];
    }
  | PlaceOrderFailure;

export type PayOrderResult =
  | { ok: true; order: Order; replayed: boolean }
  | { ok: false; code: "insufficient_funds" }
  | { ok: false; code: "order_not_payable"; status: string }
  | { ok: false; code: "order_expired" };

/**
 * Place (and, with `payWith: "wallet"`, pay) an order: the pipeline's stages resolve → price → decide
 * (place-order.stages.ts; reads only, a refusal writes nothing) and then the commit, ONE transaction:
 * insert the order with its price breakdown (the UNIQUE(user_id, idempotency_key) row is the
 * idempotency record), claim stock for CODE products, and pay: a CODE order is then delivered at once
 * (one posting pays and settles it), a DIRECT one posts `wallet −T, escrow +T` and moves CREATED → PAID
 * for the fulfil job. Any expected failure rolls everything back and is returned: nothing changed. The
 * commit's statements are issued without waiting, so on PostgreSQL a stock order is one round trip, and
 * the wallet row is locked only from the posting to the commit. docs/order-pipeline.md.
 */
export async function placeOrder(rt: FlowRuntime, ctx: CoreContext, input: PlaceOrderInput): Promise<PlaceOrderResult> {
  // Priced from the cached product first; if it changed since (the insert checks its version), once
  // more from a fresh read.
  const first = await placeOnce(rt, ctx, input, false);
  if (first !== PRODUCT_CHANGED) return first;
  rt.routing.forget(input.productId);
  const second = await placeOnce(rt, ctx, input, true);
  if (second !== PRODUCT_CHANGED) return second;
  throw conflict("product_changed", "the product changed while the order was being placed; try again");
}

const PRODUCT_CHANGED = Symbol("product changed");

async function placeOnce(
  rt: FlowRuntime,
  ctx: CoreContext,
  input: PlaceOrderInput,
  fresh: boolean,
): Promise<PlaceOrderResult | typeof PRODUCT_CHANGED> {
  const hash = requestHash({
    productId: input.productId,
    quantity: input.quantity,
    target: input.target ?? null,
    payWith: input.payWith,
    // Only when set: an order without a shop keeps the hash it always had.
    ...(input.shopId ? { shopId: input.shopId } : {}),
  });
  const replay = async (): Promise<PlaceOrderResult | null> => {
    const existing = await rt.orders.idempotency.find(input.userId, input.idempotencyKey);
    return existing ? replayOf(existing, hash) : null;
  };

  // resolve → price → decide: reads only. A refusal from the cached product is confirmed against a
  // fresh read before the buyer sees it; any refusal first checks whether the key already placed an order.
  const refused = async (f: PlaceOrderFailure, final: boolean) => (final ? ((await replay()) ?? f) : PRODUCT_CHANGED);
  const resolved = await resolveStage(rt, ctx, { ...input, orderId: newId() });
  if (!resolved.ok) return refused(resolved, fresh || resolved.code === "product_unavailable");
  const { product } = resolved.value;
  if (!hinted(product, input.quantity)) return placeResolved(rt, ctx, input, hash, resolved.value, fresh, replay);
  // A stock product: its turn first (place-order.gate.ts), then the sold-out hint — a buyer that waited
  // while the last codes went is refused here, before pricing, the deciders and any transaction.
  const leave = await rt.placement.gates.enter(product.id);
  try {
    const short = rt.modules.inventory.knownShort(ctx, { productId: product.id, quantity: input.quantity });
    if (short) {
      leave();
      return (await replay()) ?? { ok: false, code: "out_of_stock", available: short.available };
    }
    return await placeResolved(rt, ctx, input, hash, resolved.value, fresh, replay);
  } finally {
    leave();
  }
}

/** price → decide → commit, for a resolved order (placeOnce). */
async function placeResolved(
  rt: FlowRuntime,
  ctx: CoreContext,
  input: PlaceOrderInput,
  hash: string,
  resolved: ResolvedOrder,
  fresh: boolean,
  replay: () => Promise<PlaceOrderResult | null>,
): Promise<PlaceOrderResult | typeof PRODUCT_CHANGED> {
  const refused = async (f: PlaceOrderFailure, final: boolean) => (final ? ((await replay()) ?? f) : PRODUCT_CHANGED);
  const priced = await priceStage(rt, ctx, resolved, fresh);
  if (!priced.ok) return refused(priced, fresh);
  const decided = await decideStage(rt, ctx, priced.value);
  if (!decided.ok) return refused(decided, true);
  // What the deciders counted stands only for an order this call placed.
  let result: PlaceOrderResult | typeof PRODUCT_CHANGED | undefined;
  try {
    result = await commitStage(rt, ctx, input, hash, decided.value, replay);
    return result;
  } finally {
    if (result === undefined || result === PRODUCT_CHANGED || !result.ok || result.replayed)
      await decided.value.undo().catch((e: unknown) => rt.signals.warn({ err: e }, "undoing a decider's count failed"));
  }
}

/**
 * The commit stage: the order (with its breakdown) inserted, its codes claimed, paid — and a stock order
 * settled and delivered — in ONE transaction whose statements are issued without waiting.
 */
async function commitStage(
  rt: FlowRuntime,
  ctx: CoreContext,
  input: PlaceOrderInput,
  hash: string,
  priced: DecidedOrder,
  replay: () => Promise<PlaceOrderResult | null>,
): Promise<PlaceOrderResult | typeof PRODUCT_CHANGED> {
  const { product, pricing } = priced;
  const backorderable = product.deliveryKind === "CODE" && product.acceptBackorders;
  // A CODE product paid from the wallet is delivered from stock in the placing transaction: the buyer
  // has the code at once, and no job, second transaction or queue round trip is spent on it.
  // An order held for review is paid into escrow and waits (HELD_FOR_REVIEW): nothing is delivered yet.
  const held = priced.hold !== null;
  const deliverNow =
    product.deliveryKind === "CODE" && input.payWith === "wallet" && !held
      ? { stock: await rt.routing.stockSupplier(ctx, product.id) }
      : undefined;

  const now = rt.clock.now();
  const order: NewOrder = {
    id: priced.orderId,
    userId: priced.buyer.userId,
    idempotencyKey: input.idempotencyKey,
    requestHash: hash,
    channel: ctx.channel,
    productId: product.id,
    quantity: priced.quantity,
    unitPrice: pricing.unitPrice,
    total: pricing.total,
    currency: pricing.currency,
    target: priced.target,
    pricing: encodePricing(pricing),
    expiresAt: new Date(now.getTime() + rt.placement.paymentWindowMs),
  };
  if (backorderable) {
    try {
      const placed = await withLedgerRetry(() =>
        rt.orders.transaction((tx) =>
          commitBackorderable(rt, ctx, tx, {
            order,
            payWith: input.payWith,
            stock: deliverNow?.stock ?? null,
            guard: rt.modules.catalog.stillOnSale(product.id, priced.productVersion),
            held,
          }),
        ),
      );
      return committedOrder(rt, placed.order, placed.codes);
    } catch (e) {
      return refusedCommit(e, replay);
    }
  }
  // Delivered now: the order is written DELIVERED at once, its codes claimed straight to SOLD, and one
  // posting pays and settles it (its id chosen here, so the order row can name it), sent with COMMIT.
  const settlement = deliverNow
    ? settlementPosting(rt.modules.accounts, asCreated(order, now), deliverNow.stock, true)
    : undefined;
  const settleTxId = settlement?.posting ? newId() : null;
  const delivered =
    deliverNow && settlement
      ? {
          settleTxId,
          supplierId: deliverNow.stock?.supplierId ?? null,
          costTotal: deliverNow.stock ? settlement.cost : null,
        }
      : undefined;
  try {
    const placed = await withLedgerRetry(() =>
      rt.orders.transaction(async (tx) => {
        // Issued back to back, each without waiting for the one before: a pipelining runner sends the
        // whole order in one round trip. The claim goes first and gates the rest: when it finds too few
        // codes, the insert and the posting write nothing and the transaction commits empty — a refusal
        // costs no ERROR, no ROLLBACK and no row. Other refusals are raised (kameng_fail), and nothing
        // issued after them runs.
        const claimed =
          product.deliveryKind === "CODE"
            ? issued(
                rt.modules.inventory.claim(
                  ctx,
                  { productId: product.id, orderId: order.id, quantity: input.quantity },
                  { tx, freshOrder: true, sell: deliverNow !== undefined },
                ),
              )
            : undefined;
        const inserted = issued(
          rt.orders.store.insert(tx, order, {
            emitCreated: input.payWith === "later",
            guard: rt.modules.catalog.stillOnSale(product.id, priced.productVersion),
            ...(delivered ? { delivered } : {}),
            ...(claimed ? { onlyIf: rt.modules.inventory.claimedSql(order.id) } : {}),
          }),
        );
        if (settlement?.posting) {
          const posting = settlement.posting;
          const onlyIf = claimed ? rt.orders.store.existsSql(order.id) : undefined;
          await postSettlementLast(rt, ctx, tx, posting, settleTxId!, onlyIf);
        }
        if (deliverNow || input.payWith === "later") {
          const row = await inserted;
          const claim = await claimed;
          if (claim && !claim.ok) return { short: claim.available, existing: row };
          if (!row) throw new Error(`order ${order.id} was neither inserted nor refused`);
          return { order: row, codes: claim?.ok ? claim.codes : undefined };
        }
        const paid = await payInTx(rt, ctx, tx, asCreated(order, now), held ? "HELD_FOR_REVIEW" : "PAID");
        if (!paid.ok) throw new Rollback(paid);
        return { order: paid.order };
      }),
    );
    if (placed.short !== undefined)
      return placed.existing
        ? replayOf(placed.existing, hash)
        : { ok: false, code: "out_of_stock", available: placed.short };
    return committedOrder(rt, placed.order, placed.codes);
  } catch (e) {
    return refusedCommit(e, replay);
  }
}

/**
 * Whether the product's placements take turns at its gate and ask the sold-out hint (a claim in this
 * process ran short a moment ago) first: an active stock product that takes no backorders, for a quantity
 * it sells — so every other refusal still answers as it would. A burst of buyers after the last code
 * costs each one a look at the idempotency key only.
 */
function hinted(product: Product, quantity: number): boolean {
  if (product.deliveryKind !== "CODE" || product.acceptBackorders || !product.active) return false;
  return quantity >= product.minQty && quantity <= product.maxQty;
}

/** A commit that threw: an expected refusal (rolled back), a replay, a changed product — or the error. */
async function refusedCommit(
  e: unknown,
  replay: () => Promise<PlaceOrderResult | null>,
): Promise<PlaceOrderResult | typeof PRODUCT_CHANGED> {
  if (e instanceof Rollback) return e.result as PlaceOrderFailure;
  const refusal = kamengFailure(e);
  // Not inserted and no order under this key: the product changed since it was priced.
  if (refusal?.reason === ORDER_NOT_INSERTED) return (await replay()) ?? PRODUCT_CHANGED;
  if (sqlState(e) === PG_UNIQUE_VIOLATION) {
    const r = await replay();
    if (r) return r;
  }
  throw e;
}

/**
 * What placing this order would cost now — the pipeline's resolve and price stages, nothing written: the
 * breakdown a buy screen shows (a shop's price included) before the buyer confirms. The placement prices
 * again; a screen compares its total (and the product version) with what it showed. Without a target
 * (`target` undefined) only the price is asked: the target is not checked.
 */
export async function quoteOrder(
  rt: FlowRuntime,
  ctx: CoreContext,
  input: Omit<PlaceOrderInput, "idempotencyKey" | "payWith">,
): Promise<{ ok: true; pricing: PricedOrder["pricing"]; productVersion: number } | PlaceOrderFailure> {
  const priceOnly = input.target === undefined;
  const resolved = await resolveStage(rt, ctx, { ...input, orderId: newId() }, { priceOnly });
  if (!resolved.ok) return resolved;
  const priced = await priceStage(rt, ctx, resolved.value, true);
  return priced.ok ? { ok: true, pricing: priced.value.pricing, productVersion: priced.value.productVersion } : priced;
}

/** A newly placed order told to the committed signals (under its event type) and answered. */
function committedOrder(rt: FlowRuntime, order: Order, codes: DeliveredCode[] | undefined): PlaceOrderResult {
  rt.signals.committed(order.status === "CREATED" ? "order.created" : eventTypeFor(order.status), order);
  return { ok: true, order, replayed: false, ...(codes ? { codes } : {}) };
}

/** The answer to a request whose idempotency key already placed `existing`. */
function replayOf(existing: Order, hash: string): PlaceOrderResult {
  if (existing.requestHash !== hash)
    throw conflict("idempotency_conflict", "this idempotency key was already used for a different order request", {
      orderId: existing.id,
    });
  return { ok: true, order: existing, replayed: true };
}

/** Pays a CREATED (`payWith: "later"`) order from the buyer's wallet, once. */
export async function payFromWallet(
  rt: FlowRuntime,
  ctx: CoreContext,
  input: { orderId: string },
): Promise<PayOrderResult> {
  try {
    const order = await withLedgerRetry(() =>
      rt.orders.transaction(async (tx) => {
        const current = await rt.orders.store.getForUpdate(tx, input.orderId);
        if (!current) throw notFound("order_not_found", "no such order", { orderId: input.orderId });
        authorize(ctx, "orders.pay", { owner: current.userId, hide: ORDER_HIDDEN });
        if (["PAID", "FULFILLING", "DELIVERED", "HELD_FOR_REVIEW"].includes(current.status))
          throw new Rollback({ ok: true, order: current, replayed: true } as const);
        if (current.status !== "CREATED")
          throw new Rollback({ ok: false, code: "order_not_payable", status: current.status } as const);
        if (current.expiresAt.getTime() <= rt.clock.now().getTime())
          throw new Rollback({ ok: false, code: "order_expired" } as const);
        // Placed while a decider held it for review: paid into escrow, then held (HELD_FOR_REVIEW).
        const held = rt.placement.heldAtPayment ? await rt.placement.heldAtPayment(ctx, tx, current.id) : false;
        const paid = await payInTx(rt, delegate(ctx, "orders.pay"), tx, current, held ? "HELD_FOR_REVIEW" : "PAID");
        if (!paid.ok) throw new Rollback(paid);
        return paid.order;
      }),
    );
    rt.signals.committed(order.status === "HELD_FOR_REVIEW" ? "order.held_for_review" : "order.paid", order);
    return { ok: true, order, replayed: false };
  } catch (e) {
    if (e instanceof Rollback) return e.result as PayOrderResult;
    throw e;
  }
}

/** Cancels a CREATED order of the caller's and releases its reservation. */
export async function cancelOrder(
  rt: FlowRuntime,
  ctx: CoreContext,
  input: { orderId: string; reason?: string },
): Promise<Order> {
  const order = await rt.orders.transaction(async (tx) => {
    const current = await rt.orders.store.get(tx, input.orderId);
    if (!current) throw notFound("order_not_found", "no such order", { orderId: input.orderId });
    authorize(ctx, "orders.cancel", { owner: current.userId, hide: ORDER_HIDDEN });
    const cancelled = await rt.orders.store.transition(tx, {
      orderId: input.orderId,
      path: ["CREATED", "CANCELLED"],
      reason: input.reason ?? "cancelled",
      set: { closedAt: rt.clock.now() },
    });
    if (!cancelled) throw conflict("order_not_cancellable", `an order that is ${current.status} cannot be cancelled`);
    await rt.modules.inventory.release(delegate(ctx, "orders.cancel"), { orderId: input.orderId }, { tx });
    return cancelled;
  });
  rt.signals.committed("order.cancelled", order);
  return order;
}

/** Expires CREATED orders past their payment window and releases their stock; returns how many. */
export async function expireDueOrders(
  rt: FlowRuntime,
  ctx: CoreContext,
  opts: { limit?: number } = {},
): Promise<number> {
  const due = await rt.orders.store.dueForExpiry(rt.orders.read, opts.limit ?? 500);
  let n = 0;
  for (const { id } of due) {
    const order = await rt.orders.transaction(async (tx) => {
      const expired = await rt.orders.store.transition(tx, {
        orderId: id,
        path: ["CREATED", "EXPIRED"],
        reason: "payment window closed",
        set: { closedAt: rt.clock.now() },
      });
      if (expired) await rt.modules.inventory.release(ctx, { orderId: id }, { tx });
      return expired;
    });
    if (order) {
      n++;
      rt.signals.committed("order.expired", order);
    }
  }
  return n;
}
