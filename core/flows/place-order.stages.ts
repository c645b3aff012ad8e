import type { Product } from "../catalog/index.ts";
import { retailPricing, type PriceBreakdown } from "../orders/index.ts";
import { invalidData, type CoreContext } from "../shared/index.ts";
import { chainPricing } from "./chain-pricing.ts";
import type { FlowRuntime } from "./flow-deps.ts";
import type { PlaceOrderFailure } from "./place-order.failures.ts";

/*
 * The placement pipeline's stages before the commit (docs/order-pipeline.md):
 *   resolve (product, buyer, target) → price (a breakdown) → decide (the deciders) → commit.
 * Each stage reads only; a refusal is a PlaceOrderFailure and nothing has been written. The commit
 * (place-order.flow.ts) writes the order with its breakdown, claims, pays and delivers in one
 * pipelined transaction.
 */

export const resolveStageId = "resolve";
export const priceStageId = "price";
export const decideStageId = "decide";
export const commitStageId = "commit";

/** Where the channel knows them (web chat, API): the client's IP address and a device/browser id. */
export interface PlacementClient {
  ip?: string;
  device?: string;
}

/** What is being bought, by whom, for which target. */
export interface ResolvedOrder {
  /** The id the order will have if it is placed (deciders record their decision under it). */
  orderId: string;
  product: Product;
  buyer: { userId: string };
  quantity: number;
  target: string | null;
  client: PlacementClient;
  /** The distributor's shop the order is placed in (its sale price applies). */
  shopId: string | null;
}

/** The priced order: the breakdown stored on the order, and the product version it was priced at. */
export interface PricedOrder extends ResolvedOrder {
  pricing: PriceBreakdown;
  productVersion: number;
}

export type StageResult<T> = { ok: true; value: T } | PlaceOrderFailure;

/**
 * A decider's answer. `block` and `kyc_required` refuse the order (nothing is written); `review` lets it be
 * placed and paid into escrow but held (HELD_FOR_REVIEW) until staff decide. Each carries a reference
 * (the decider's record of why) that the buyer can quote. `undo` takes back what the decider counted
 * for an order that in the end was not placed (refused by a later stage, a replay).
 */
export type OrderDecision =
  | { kind: "allow"; undo?: () => Promise<void> }
  | { kind: "review"; reference: string; undo?: () => Promise<void> }
  | { kind: "kyc_required"; reference: string }
  | { kind: "block"; reference: string };

/** The decided order: held for review (with the decision's reference) or not, and how to undo the deciders' counts. */
export interface DecidedOrder extends PricedOrder {
  hold: { reference: string } | null;
  undo(): Promise<void>;
}

/**
 * A step that may refuse an order before money moves (risk rules, limits, KYC). Asked in order; the first
 * `block` wins. Reads only: it runs before the transaction and may not write into it.
 */
export interface OrderDecider {
  name: string;
  decide(ctx: CoreContext, order: PricedOrder): Promise<OrderDecision> | OrderDecision;
}

/**
 * `fresh`: the product is read fresh rather than from the routing cache (see placeOrder). `priceOnly`: a
 * quote without a target (a buy screen's price) leaves the target unchecked; a placement always checks it.
 */
export async function resolveStage(
  rt: FlowRuntime,
  ctx: CoreContext,
  input: {
    orderId: string;
    userId: string;
    productId: string;
    quantity: number;
    target?: string | null;
    client?: PlacementClient;
    shopId?: string | null;
  },
  opts: { priceOnly?: boolean } = {},
): Promise<StageResult<ResolvedOrder>> {
  const product = await rt.routing.product(ctx, input.productId);
  if (!product) return { ok: false, code: "product_unavailable" };
  const target = opts.priceOnly
    ? ({ ok: true, target: null } as const)
    : rt.modules.catalog.checkTarget(product, input.target);
  if (!target.ok) return target;
  return {
    ok: true,
    value: {
      orderId: input.orderId,
      product,
      buyer: { userId: input.userId },
      quantity: input.quantity,
      target: target.target,
      client: input.client ?? {},
      shopId: input.shopId ?? null,
    },
  };
}

/**
 * The price breakdown: today the catalog's quote (retail, or the price rule that applied) as one line.
 * A price chain or a discount adds its lines here; the total is what the buyer pays and what the
 * settlement posting is built from.
 */
export async function priceStage(
  rt: FlowRuntime,
  ctx: CoreContext,
  order: ResolvedOrder,
  fresh: boolean,
): Promise<StageResult<PricedOrder>> {
  const { catalog } = rt.modules;
  const request = { quantity: order.quantity, userId: order.buyer.userId };
  const quote = fresh
    ? await catalog.quote(ctx, { productId: order.product.id, ...request })
    : await catalog.priceFor(ctx, order.product, request);
  if (!quote.ok) return quote;
  let pricing = retailPricing(quote, quote.priceSource);
  const { chain } = rt.placement;
  if (order.shopId && !SHOP_ID.test(order.shopId))
    throw invalidData("shop_not_found", "no such shop: a shop id is a UUID", { shopId: order.shopId });
  if (chain) {
    // The distributor chain, evaluated now (a cost rise never sells under cost), on the quoted price as retail.
    const c = await chain.chainQuote(ctx, {
      productId: order.product.id,
      categoryId: order.product.categoryId,
      retail: quote.unitPrice,
      buyerUserId: order.buyer.userId,
      shopId: order.shopId,
    });
    if (!c.ok) throw invalidData("shop_not_found", "no such shop", { shopId: order.shopId });
    pricing = chainPricing(pricing, c.chain, c.referral);
  } else if (order.shopId) throw invalidData("shop_not_found", "no such shop", { shopId: order.shopId });
  return { ok: true, value: { ...order, pricing, productVersion: quote.productVersion } };
}

const SHOP_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Asks each decider in turn: the first `block` or `kyc_required` refuses the order (and what the deciders
 * before it counted is undone); a `review` holds it (the first reference is kept).
 */
export async function decideStage(
  rt: FlowRuntime,
  ctx: CoreContext,
  order: PricedOrder,
): Promise<StageResult<DecidedOrder>> {
  const undos: Array<() => Promise<void>> = [];
  const undo = async () => {
    for (const u of undos.splice(0)) await u();
  };
  let hold: { reference: string } | null = null;
  try {
    for (const decider of rt.placement.deciders) {
      const decision = await decider.decide(ctx, order);
      switch (decision.kind) {
        case "block":
          await undo();
          return { ok: false, code: "order_blocked", reference: decision.reference };
        case "kyc_required":
          await undo();
          return { ok: false, code: "kyc_required", reference: decision.reference };
        case "review":
          hold ??= { reference: decision.reference };
          if (decision.undo) undos.push(decision.undo);
          break;
        case "allow":
          if (decision.undo) undos.push(decision.undo);
          break;
      }
    }
  } catch (e) {
    await undo();
    throw e;
  }
  return { ok: true, value: { ...order, hold, undo } };
}
