import { Hono, type Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Product } from "../../core/catalog/index.ts";
import type { Orders, PlaceOrderFailure } from "../../core/flows/index.ts";
import type { Order } from "../../core/orders/index.ts";
import { CURRENCIES, invalidData, type CoreContext, type Currency } from "../../core/shared/index.ts";
import type { ApiCaller, ApiKeys } from "./api-keys.ts";
import { errorJson, readJson } from "../http/errors.ts";
import {
  createOrderBodySchema,
  idempotencyKeySchema,
  uuidParamSchema,
  type OrderJson,
  type ProductJson,
} from "./api-schemas.ts";
import { openApiDocument } from "./openapi.ts";

export interface ApiV1Deps {
  apiKeys: Pick<ApiKeys, "verify">;
  orders: Pick<Orders, "place" | "get" | "codesFor" | "listForUser">;
  catalog: {
    listProducts(ctx: CoreContext, input?: { categoryId?: string }): Promise<Product[]>;
    quote(
      ctx: CoreContext,
      input: { productId: string; quantity: number; userId?: string },
    ): Promise<{ ok: true; unitPrice: bigint } | { ok: false }>;
  };
  inventory: {
    availableCounts(ctx: CoreContext, input?: { productIds?: string[] }): Promise<Map<string, number>>;
  };
  ledger: { balance(ctx: CoreContext, code: string): Promise<{ balance: bigint; held: bigint; available: bigint }> };
  walletCode(userId: string, currency: Currency): string;
}

type Env = { Variables: { caller: ApiCaller; requestId: string } };

const FAILURE_STATUS: Record<PlaceOrderFailure["code"], ContentfulStatusCode> = {
  out_of_stock: 409,
  insufficient_funds: 402,
  product_unavailable: 404,
  quantity_out_of_range: 422,
  target_required: 422,
  invalid_mobile: 422,
  wrong_carrier: 422,
  invalid_account: 422,
};

const FAILURE_MESSAGE: Record<PlaceOrderFailure["code"], string> = {
  out_of_stock: "not enough codes in stock for this quantity",
  insufficient_funds: "the wallet balance does not cover this order",
  product_unavailable: "no such product, or it is not for sale now",
  quantity_out_of_range: "the quantity is outside this product's limits",
  target_required: "this product needs a target (phone number or account)",
  invalid_mobile: "the target is not a valid mainland mobile number",
  wrong_carrier: "this product is limited to another carrier",
  invalid_account: "the target is not a valid account id for this product",
};

export function orderJson(o: Order, codes?: Array<{ code: string; password?: string | null }>): OrderJson {
  return {
    id: o.id,
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

  app.get("/openapi.json", (c) => c.json(openApiDocument()));

  app.use("*", async (c, next) => {
    const header = c.req.header("authorization");
    if (!header)
      return errorJson(c, 401, "api_key_required", "send your API key as `Authorization: Bearer kmg_live_…`");
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const caller = m ? await deps.apiKeys.verify(m[1]!) : null;
    if (!caller) return errorJson(c, 401, "api_key_invalid", "the API key is not valid or has been revoked");
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

  app.get("/products", async (c) => {
    const ctx = ctxOf(c);
    const categoryId = c.req.query("category_id");
    if (categoryId !== undefined && !uuidParamSchema.safeParse(categoryId).success)
      throw invalidData("invalid_id", "category_id must be a UUID");
    const products = await deps.catalog.listProducts(ctx, categoryId ? { categoryId } : {});
    const available = await deps.inventory.availableCounts(ctx, { productIds: products.map((p) => p.id) });
    const out: ProductJson[] = await Promise.all(
      products.map(async (p) => {
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
    return c.json({ products: out });
  });

  app.post("/orders", async (c) => {
    const ctx = ctxOf(c);
    const body = await readJson(c, createOrderBodySchema);
    const res = await deps.orders.place(ctx, {
      userId: ctx.actor.userId,
      productId: body.product_id,
      quantity: body.quantity,
      target: body.target ?? null,
      idempotencyKey: ctx.idempotencyKey!,
      payWith: "wallet",
    });
    if (!res.ok) {
      const { ok: _ok, code, ...details } = res;
      return errorJson(
        c,
        FAILURE_STATUS[code],
        code,
        FAILURE_MESSAGE[code],
        Object.keys(details).length ? details : undefined,
      );
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
    const limit = Number(c.req.query("limit") ?? 20);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalidData("invalid_limit", "limit must be 1–100");
    const orders = await deps.orders.listForUser(ctx, { userId: ctx.actor.userId, limit });
    return c.json({ orders: orders.map((o) => orderJson(o)) });
  });

  app.get("/orders/:id", async (c) => {
    const ctx = ctxOf(c);
    const id = c.req.param("id");
    if (!uuidParamSchema.safeParse(id).success) throw invalidData("invalid_id", "the order id must be a UUID");
    const order = await deps.orders.get(ctx, { orderId: id });
    const codes = order.status === "DELIVERED" ? await deps.orders.codesFor(ctx, { orderId: id }) : undefined;
    return c.json({ order: orderJson(order, codes) });
  });

  app.get("/wallet", async (c) => {
    const ctx = ctxOf(c);
    const balances = await Promise.all(
      (Object.keys(CURRENCIES) as Currency[]).map(async (currency) => {
        const b = await deps.ledger.balance(ctx, deps.walletCode(ctx.actor.userId, currency));
        return { currency, balance: Number(b.balance), held: Number(b.held), available: Number(b.available) };
      }),
    );
    return c.json({ balances });
  });

  return app;
}
