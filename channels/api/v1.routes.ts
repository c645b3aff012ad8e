import { Hono, type Context } from "hono";
import type { Category, Product } from "../../core/catalog/index.ts";
import type { Orders } from "../../core/flows/index.ts";
import { parseOrderRef, type NumberedOrder, type Order } from "../../core/orders/index.ts";
import { CURRENCIES, invalidData, type CoreContext, type Currency } from "../../core/shared/index.ts";
import type { ApiCaller, ApiKeys } from "./api-keys.ts";
import { errorJson, readJson } from "../http/errors.ts";
import { placeOrderFailureAnswer } from "./place-order-failures.ts";
import { clientIp, overLimit, type RateLimiter } from "../http/rate-limit.ts";
import {
  createOrderBodySchema,
  idempotencyKeySchema,
  uuidParamSchema,
  type CategoryJson,
  type OrderJson,
  type PricesJson,
  type ProductJson,
} from "./api-schemas.ts";
import { openApiDocument } from "./openapi.ts";
import { registerDistributorRoutes, type DistributorRoutesDeps } from "./distributor.routes.ts";

export interface ApiV1Deps extends Omit<DistributorRoutesDeps, "walletCode" | "ledger"> {
  apiKeys: Pick<ApiKeys, "verify">;
  orders: Pick<Orders, "place" | "resolveRef" | "codesFor" | "listForUser">;
  catalog: {
    listCategories(ctx: CoreContext): Promise<Category[]>;
    listProducts(ctx: CoreContext, input?: { categoryId?: string }): Promise<Product[]>;
    getProduct(ctx: CoreContext, id: string): Promise<Product | null>;
    quote(
      ctx: CoreContext,
      input: { productId: string; quantity: number; userId?: string },
    ): Promise<{ ok: true; unitPrice: bigint } | { ok: false }>;
  };
  inventory: {
    availableCounts(ctx: CoreContext, input?: { productIds?: string[] }): Promise<Map<string, number>>;
  };
  ledger: DistributorRoutesDeps["ledger"] & {
    balance(ctx: CoreContext, code: string): Promise<{ balance: bigint; held: bigint; available: bigint }>;
  };
  walletCode(userId: string, currency: Currency): string;
  /** The caller's distributor tier and prices (core/distribution). */
  distribution: {
    get(ctx: CoreContext, userId: string): Promise<{ tierId: string } | null>;
    tier(ctx: CoreContext, id: string): Promise<{ id: string; nameZh: string; nameEn: string }>;
    prices(
      ctx: CoreContext,
      userId: string,
    ): Promise<Array<{ productId: string; sku: string; currency: string; retail: bigint; price: bigint }>>;
  };
  /** Requests per API key, and per client IP for requests without a valid key; absent = no limit. */
  limits?: { perKey?: RateLimiter; perIp?: RateLimiter; trustProxy?: boolean };
}

/** The methods of each path (any other method: 405 with `Allow`). */
const PATHS: Record<string, readonly string[]> = {
  "/openapi.json": ["GET"],
  "/categories": ["GET"],
  "/products": ["GET"],
  "/products/:id": ["GET"],
  "/orders": ["GET", "POST"],
  "/orders/:id": ["GET"],
  "/wallet": ["GET"],
  "/statement": ["GET"],
  "/webhook": ["GET", "POST", "DELETE"],
  "/webhook-deliveries": ["GET"],
  "/webhook-deliveries/:id/resend": ["POST"],
  "/prices": ["GET"],
};
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** The currency every wallet answer lists; others only when they hold something. */
const WALLET_CURRENCY: Currency = "CNY";

type Env = { Variables: { caller: ApiCaller; requestId: string } };

/** Orders per page at most (GET /orders). */
const MAX_PAGE = 100;

/** A page's last order as an opaque cursor: its creation time and id (orders are listed newest first). */
export function encodeCursor(o: Pick<Order, "createdAt" | "id">): string {
  return Buffer.from(`${o.createdAt.getTime()}.${o.id}`).toString("base64url");
}

export function decodeCursor(raw: string): { createdAt: Date; id: string } | null {
  if (raw.length > 100) return null;
  const m = /^(\d{1,15})\.([0-9a-f-]{36})$/.exec(Buffer.from(raw, "base64url").toString());
  if (!m || !uuidParamSchema.safeParse(m[2]).success) return null;
  return { createdAt: new Date(Number(m[1])), id: m[2]! };
}

/** An order as the API answers it; `number` when it was read with it (GETs: the placement does not read it). */
export function orderJson(
  o: Order | NumberedOrder,
  codes?: Array<{ code: string; password?: string | null }>,
): OrderJson {
  return {
    id: o.id,
    ...("number" in o ? { number: o.number } : {}),
    status: o.status,
    product_id: o.productId,
    quantity: o.quantity,
    unit_price: Number(o.unitPrice),
    total: Number(o.total),
    currency: o.currency,
    target: o.target,
    failure_reason: o.failureReason,
    created_at: o.createdAt.toISOString(),
    paid_at: o.paidAt?.toISOString() ?? null,
    delivered_at: o.deliveredAt?.toISOString() ?? null,
    expires_at: o.expiresAt.toISOString(),
    ...(codes
      ? { codes: codes.map((c) => (c.password ? { code: c.code, password: c.password } : { code: c.code })) }
      : {}),
  };
}

/**
 * The distributor REST API, mounted at `/v1`: bearer API-key auth, `Idempotency-Key` on every POST,
 * zod validation at the edge, and errors as `{ error: { code, message } }` with stable codes.
 */
export function apiV1Routes(deps: ApiV1Deps) {
  const app = new Hono<Env>();

  for (const [path, allowed] of Object.entries(PATHS)) {
    const allow = [...allowed, ...(allowed.includes("GET") ? ["HEAD"] : [])].join(", ");
    app.on(
      METHODS.filter((m) => !allowed.includes(m)),
      path,
      (c) => {
        c.header("Allow", allow);
        return errorJson(
          c,
          405,
          "method_not_allowed",
          `${c.req.method} is not allowed here; use ${allowed.join(" or ")}`,
        );
      },
    );
  }

  app.get("/openapi.json", (c) => c.json(openApiDocument()));

  app.use("*", async (c, next) => {
    const header = c.req.header("authorization");
    const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    const caller = m ? await deps.apiKeys.verify(m[1]!) : null;
    if (!caller) {
      // Without a valid key the caller is counted by IP: guessing keys costs the guesser, not us.
      const limited = await overLimit(c, deps.limits?.perIp, `ip:${clientIp(c, deps.limits?.trustProxy)}`);
      if (limited) return limited;
      return header
        ? errorJson(c, 401, "api_key_invalid", "the API key is not valid or has been revoked")
        : errorJson(c, 401, "api_key_required", "send your API key as `Authorization: Bearer kmg_live_…`");
    }
    const limited = await overLimit(c, deps.limits?.perKey, `key:${caller.keyId}`);
    if (limited) return limited;
    c.set("caller", caller);
    if (c.req.method === "POST") {
      const key = c.req.header("idempotency-key");
      if (key === undefined)
        return errorJson(c, 400, "idempotency_key_required", "POST requests need an `Idempotency-Key` header");
      if (!idempotencyKeySchema.safeParse(key).success)
        return errorJson(c, 400, "idempotency_key_invalid", "the Idempotency-Key must be 1–128 of A-Z a-z 0-9 . _ : -");
    }
    await next();
  });

  /** An API key acts as its owner, a distributor, for their own account only. */
  const ctxOf = (c: Context<Env>): CoreContext & { actor: { userId: string } } => {
    const caller = c.get("caller");
    return {
      channel: "http",
      actor: { kind: "distributor", userId: caller.userId, via: "api", apiKeyId: caller.keyId },
      externalUserId: `api-key:${caller.keyId}`,
      locale: c.req.header("accept-language")?.toLowerCase().startsWith("zh") ? "zh-CN" : "en",
      requestId: c.get("requestId") ?? "",
      idempotencyKey: c.req.header("idempotency-key"),
    };
  };

  /** Products as the caller sees them: their unit price, and stock for CODE products. */
  async function productsJson(ctx: CoreContext & { actor: { userId: string } }, products: Product[]) {
    const available = await deps.inventory.availableCounts(ctx, { productIds: products.map((p) => p.id) });
    return Promise.all(
      products.map(async (p): Promise<ProductJson> => {
        const q = await deps.catalog.quote(ctx, { productId: p.id, quantity: p.minQty, userId: ctx.actor.userId });
        return {
          id: p.id,
          sku: p.sku,
          category_id: p.categoryId,
          name_zh: p.nameZh,
          name_en: p.nameEn,
          delivery_kind: p.deliveryKind,
          target_kind: p.targetKind,
          carrier: p.carrier,
          face_value: Number(p.faceValue),
          price: Number(q.ok ? q.unitPrice : p.price),
          currency: p.currency,
          min_qty: p.minQty,
          max_qty: p.maxQty,
          stock: p.deliveryKind === "CODE" ? (available.get(p.id) ?? 0) : null,
        };
      }),
    );
  }

  app.get("/categories", async (c) => {
    const categories = await deps.catalog.listCategories(ctxOf(c));
    return c.json({
      categories: categories
        .filter((x) => x.active)
        .map((x): CategoryJson => ({ id: x.id, slug: x.slug, name_zh: x.nameZh, name_en: x.nameEn })),
    });
  });

  app.get("/products", async (c) => {
    const ctx = ctxOf(c);
    const categoryId = c.req.query("category_id");
    if (categoryId !== undefined && !uuidParamSchema.safeParse(categoryId).success)
      throw invalidData("invalid_id", "category_id must be a UUID");
    const products = await deps.catalog.listProducts(ctx, categoryId ? { categoryId } : {});
    return c.json({ products: await productsJson(ctx, products) });
  });

  app.get("/products/:id", async (c) => {
    const ctx = ctxOf(c);
    const id = c.req.param("id");
    if (!uuidParamSchema.safeParse(id).success) throw invalidData("invalid_id", "the product id must be a UUID");
    const product = await deps.catalog.getProduct(ctx, id.toLowerCase());
    if (!product?.active) return errorJson(c, 404, "product_not_found", "no such product for sale");
    const [json] = await productsJson(ctx, [product]);
    return c.json({ product: json });
  });

  app.post("/orders", async (c) => {
    const ctx = ctxOf(c);
    const body = await readJson(c, createOrderBodySchema);
    if (body.target !== undefined) {
      // A code from stock goes to no phone or account: a target there is a mistake worth saying, not dropping.
      const product = await deps.catalog.getProduct(ctx, body.product_id);
      if (product?.deliveryKind === "CODE")
        return errorJson(
          c,
          422,
          "target_not_allowed",
          "this product is a card code delivered in the answer: send `target` only for DIRECT top-ups",
        );
    }
    const ip = clientIp(c, deps.limits?.trustProxy);
    const res = await deps.orders.place(ctx, {
      userId: ctx.actor.userId,
      productId: body.product_id,
      quantity: body.quantity,
      target: body.target ?? null,
      idempotencyKey: ctx.idempotencyKey!,
      payWith: "wallet",
      // A risk signal (docs/risk.md): the calling server's address, when known.
      ...(ip !== "unknown" ? { client: { ip } } : {}),
    });
    if (!res.ok) {
      const a = placeOrderFailureAnswer(res);
      return errorJson(c, a.status, a.code, a.message, a.details);
    }
    if (res.replayed) c.header("Idempotent-Replayed", "true");
    // Stock products are delivered while the order is placed: the codes come back in this response.
    const codes =
      res.codes ??
      (res.order.status === "DELIVERED" ? await deps.orders.codesFor(ctx, { orderId: res.order.id }) : undefined);
    return c.json({ order: orderJson(res.order, codes) }, res.replayed ? 200 : 201);
  });

  app.get("/orders", async (c) => {
    const ctx = ctxOf(c);
    const rawLimit = c.req.query("limit");
    const limit = rawLimit === undefined ? 20 : /^\d{1,3}$/.test(rawLimit) ? Number(rawLimit) : NaN;
    if (!(limit >= 1 && limit <= MAX_PAGE))
      throw invalidData("invalid_limit", `limit must be a whole number from 1 to ${MAX_PAGE}`);
    const rawCursor = c.req.query("cursor");
    const after = rawCursor === undefined ? undefined : decodeCursor(rawCursor);
    if (after === null) throw invalidData("invalid_cursor", "cursor must be a next_cursor this API returned");
    const list = (n: number, from = after) =>
      deps.orders.listForUser(ctx, {
        userId: ctx.actor.userId,
        limit: n,
        ...(from ? { before: from.createdAt, beforeId: from.id } : {}),
      });
    // One more than asked says whether another page follows (the store reads at most MAX_PAGE at once).
    const rows = await list(Math.min(limit + 1, MAX_PAGE));
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const more =
      rows.length > limit || (page.length === MAX_PAGE && last !== undefined && (await list(1, last)).length > 0);
    return c.json({
      orders: page.map((o) => orderJson(o)),
      next_cursor: more && last ? encodeCursor(last) : null,
    });
  });

  app.get("/orders/:id", async (c) => {
    const ctx = ctxOf(c);
    const ref = c.req.param("id");
    if (parseOrderRef(ref).kind === "invalid")
      throw invalidData("invalid_id", "name the order by its id (a UUID) or its number (like K7M2-9QX4)");
    const order = await deps.orders.resolveRef(ctx, { ref });
    const codes = order.status === "DELIVERED" ? await deps.orders.codesFor(ctx, { orderId: order.id }) : undefined;
    return c.json({ order: orderJson(order, codes) });
  });

  app.get("/prices", async (c) => {
    const ctx = ctxOf(c);
    const me = await deps.distribution.get(ctx, ctx.actor.userId);
    const tier = me ? await deps.distribution.tier(ctx, me.tierId) : null;
    const prices = await deps.distribution.prices(ctx, ctx.actor.userId);
    const body: PricesJson = {
      tier: tier ? { id: tier.id, name_zh: tier.nameZh, name_en: tier.nameEn } : null,
      prices: prices.map((p) => ({
        product_id: p.productId,
        sku: p.sku,
        currency: p.currency,
        retail: Number(p.retail),
        price: Number(p.price),
      })),
    };
    return c.json(body);
  });

  app.get("/wallet", async (c) => {
    const ctx = ctxOf(c);
    const balances = await Promise.all(
      (Object.keys(CURRENCIES) as Currency[]).map(async (currency) => {
        const b = await deps.ledger.balance(ctx, deps.walletCode(ctx.actor.userId, currency));
        return { currency, balance: Number(b.balance), held: Number(b.held), available: Number(b.available) };
      }),
    );
    // Empty wallets in currencies the caller never used say nothing: only the shop's currency is always listed.
    return c.json({
      balances: balances.filter((b) => b.currency === WALLET_CURRENCY || b.balance !== 0 || b.held !== 0),
    });
  });

  registerDistributorRoutes(app, deps, ctxOf);

  return app;
}
