import { z } from "zod";
import { apiSchemaRegistry } from "./api-schemas.ts";
import { API_ERRORS, COMMON_ERRORS, type ApiErrorCode } from "./error-codes.ts";

/** The OpenAPI 3.1 document of /v1, generated from the zod schemas the routes validate with. */
let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const { schemas } = z.toJSONSchema(apiSchemaRegistry, {
    target: "draft-2020-12",
    unrepresentable: "any",
    uri: (id) => `#/components/schemas/${id}`,
    // zod marks every integer with the safe-integer bounds; only the ranges we set are worth showing.
    override: ({ jsonSchema: s }) => {
      if (s.maximum === Number.MAX_SAFE_INTEGER) delete s.maximum;
      if (s.minimum === Number.MIN_SAFE_INTEGER) delete s.minimum;
    },
  });
  for (const s of Object.values(schemas)) {
    delete (s as { $schema?: string }).$schema;
    delete (s as { $id?: string }).$id;
  }
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const json = (s: unknown) => ({ "application/json": { schema: s } });
  const retryAfter = {
    "Retry-After": { description: "Seconds to wait before trying again", schema: { type: "integer", minimum: 1 } },
  };
  /** One response per status, its description listing each code it can carry. */
  const errors = (...specific: ApiErrorCode[]) => {
    const byStatus = new Map<number, ApiErrorCode[]>();
    for (const code of [...specific, ...COMMON_ERRORS]) {
      const status = API_ERRORS[code].status;
      byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
    }
    return Object.fromEntries(
      [...byStatus.entries()]
        .sort(([a], [b]) => a - b)
        .map(([status, codes]) => [
          String(status),
          {
            description: codes.map((c) => `- \`${c}\`: ${API_ERRORS[c].doc}`).join("\n"),
            content: json(ref("Error")),
            ...(status === 429 ? { headers: retryAfter } : {}),
            ...(status === 405
              ? { headers: { Allow: { description: "The methods this path takes", schema: { type: "string" } } } }
              : {}),
          },
        ]),
    );
  };
  const bearer = [{ apiKey: [] }];
  const idempotencyHeader = {
    name: "Idempotency-Key",
    in: "header",
    required: true,
    description: "Same key + same body → the same order (`Idempotent-Replayed: true`); same key + another body → 409.",
    schema: { type: "string", pattern: "^[A-Za-z0-9._:-]{1,128}$" },
  };
  const uuidPath = (description: string) => ({
    name: "id",
    in: "path",
    required: true,
    description,
    schema: { type: "string", format: "uuid" },
  });
  const orderBody = json({ type: "object", required: ["order"], properties: { order: ref("Order") } });
  const webhookBody = json({ type: "object", required: ["webhook"], properties: { webhook: ref("Webhook") } });
  const pageLimit = (description: string) => ({
    name: "limit",
    in: "query",
    required: false,
    description: `${description} (default 20)`,
    schema: { type: "integer", minimum: 1, maximum: 100, default: 20 },
  });
  const pageCursor = {
    name: "cursor",
    in: "query",
    required: false,
    description: "`next_cursor` of the previous page",
    schema: { type: "string" },
  };
  const nextCursor = {
    type: ["string", "null"],
    description: "Pass as `cursor` for the next page; null when this page is the last",
  };
  cached = {
    openapi: "3.1.0",
    info: {
      title: "kameng distributor API",
      version: "1",
      description: [
        "Buy digital goods (card codes and direct top-ups) paid from your wallet. Authenticate with `Authorization: Bearer <API key>`; the key acts as you, on your own orders and wallet only.",
        "Money is integer minor units (fen for CNY, cents, Stars). Every `POST` takes an `Idempotency-Key`: retry freely with the same key.",
        "Errors are `{ error: { code, message, details?, requestId } }` with the stable codes listed per response; an unknown path is 404 `route_not_found`.",
        "Requests are rate limited per API key (and, without a valid key, per client IP): over the limit the answer is 429 `rate_limited` with `Retry-After`.",
      ].join("\n\n"),
    },
    servers: [{ url: "/v1" }],
    tags: [
      { name: "Catalog", description: "What you can buy, at your prices" },
      { name: "Orders", description: "Buying, and reading what you bought" },
      { name: "Wallet", description: "Your balances and statement" },
      { name: "Webhooks", description: "Order status changes POSTed to your callback URL, signed" },
    ],
    components: {
      securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "`kmg_live_…` API key" } },
      schemas,
    },
    security: bearer,
    paths: {
      "/categories": {
        get: {
          tags: ["Catalog"],
          summary: "Product categories",
          responses: {
            "200": {
              description: "categories, in shop order",
              content: json({ type: "object", properties: { categories: { type: "array", items: ref("Category") } } }),
            },
            ...errors(),
          },
        },
      },
      "/products": {
        get: {
          tags: ["Catalog"],
          summary: "Products with your prices and stock",
          parameters: [
            { name: "category_id", in: "query", required: false, schema: { type: "string", format: "uuid" } },
          ],
          responses: {
            "200": {
              description: "products",
              content: json({ type: "object", properties: { products: { type: "array", items: ref("Product") } } }),
            },
            ...errors("invalid_id"),
          },
        },
      },
      "/products/{id}": {
        get: {
          tags: ["Catalog"],
          summary: "One product with your price and its stock",
          parameters: [uuidPath("the product id")],
          responses: {
            "200": {
              description: "the product",
              content: json({ type: "object", properties: { product: ref("Product") } }),
            },
            ...errors("invalid_id", "product_not_found"),
          },
        },
      },
      "/orders": {
        post: {
          tags: ["Orders"],
          summary: "Place an order paid from your wallet",
          description:
            "A CODE product from stock is delivered at once: the answer is `DELIVERED` with its codes. A DIRECT top-up answers `PAID`; poll `GET /orders/{id}` until `DELIVERED` (or `REFUNDED`: the money is back in your wallet).",
          parameters: [idempotencyHeader],
          requestBody: { required: true, content: json(ref("CreateOrder")) },
          responses: {
            "201": { description: "placed and paid", content: orderBody },
            "200": {
              description: "a replay of an earlier request with this `Idempotency-Key`: the same order",
              headers: {
                "Idempotent-Replayed": {
                  description: "`true`: nothing new was placed or charged",
                  schema: { type: "string", enum: ["true"] },
                },
              },
              content: orderBody,
            },
            ...errors(
              "malformed_json",
              "invalid_data",
              "idempotency_key_required",
              "idempotency_key_invalid",
              "insufficient_funds",
              "order_blocked",
              "kyc_required",
              "product_unavailable",
              "out_of_stock",
              "idempotency_conflict",
              "payload_too_large",
              "quantity_out_of_range",
              "target_required",
              "target_not_allowed",
              "invalid_mobile",
              "wrong_carrier",
              "invalid_account",
              "ledger_retry",
            ),
          },
        },
        get: {
          tags: ["Orders"],
          summary: "Your orders, newest first, a page at a time",
          parameters: [
            {
              name: "limit",
              in: "query",
              required: false,
              description: "Orders per page (default 20)",
              schema: { type: "integer", minimum: 1, maximum: 100, default: 20 },
            },
            {
              name: "cursor",
              in: "query",
              required: false,
              description: "`next_cursor` of the previous page",
              schema: { type: "string" },
            },
          ],
          responses: {
            "200": {
              description: "a page of orders (without codes: read an order to get them)",
              content: json({
                type: "object",
                required: ["orders", "next_cursor"],
                properties: {
                  orders: { type: "array", items: ref("Order") },
                  next_cursor: {
                    type: ["string", "null"],
                    description: "Pass as `cursor` for the next page; null when this page is the last",
                  },
                },
              }),
            },
            ...errors("invalid_limit", "invalid_cursor"),
          },
        },
      },
      "/orders/{id}": {
        get: {
          tags: ["Orders"],
          summary: "One of your orders, with its codes once delivered",
          parameters: [
            {
              name: "id",
              in: "path",
              required: true,
              description:
                "the order id (a UUID), or its order number (`K7M2-9QX4`; any case, with or without the dash)",
              schema: { type: "string" },
            },
          ],
          responses: {
            "200": { description: "the order", content: orderBody },
            ...errors("invalid_id", "order_number_mistyped", "order_not_found"),
          },
        },
      },
      "/prices": {
        get: {
          tags: ["Catalog"],
          summary: "Your price for every product (your distributor tier's)",
          responses: { "200": { description: "your prices", content: json(ref("Prices")) }, ...errors() },
        },
      },
      "/wallet": {
        get: {
          tags: ["Wallet"],
          summary: "Your wallet balances",
          responses: { "200": { description: "balances", content: json(ref("Wallet")) }, ...errors() },
        },
      },
      "/statement": {
        get: {
          tags: ["Wallet"],
          summary: "Your wallet's ledger entries, newest first, a page at a time",
          parameters: [
            {
              name: "currency",
              in: "query",
              required: false,
              description: "The wallet's currency (default CNY)",
              schema: { type: "string", enum: ["CNY", "USD", "XTR"], default: "CNY" },
            },
            pageLimit("Entries per page"),
            pageCursor,
          ],
          responses: {
            "200": {
              description: "a page of entries",
              content: json({
                type: "object",
                required: ["currency", "entries", "next_cursor"],
                properties: {
                  currency: { type: "string" },
                  entries: { type: "array", items: ref("StatementEntry") },
                  next_cursor: nextCursor,
                },
              }),
            },
            ...errors("invalid_limit", "invalid_cursor", "invalid_currency"),
          },
        },
      },
      "/webhook": {
        post: {
          tags: ["Webhooks"],
          summary: "Set (or replace) your callback URL; the answer carries its signing secret, once",
          description: [
            "Orders you place through this API POST their status changes (`order.paid`, `order.delivered` with the codes, `order.refunded`) to this URL as JSON: `{ id, type, created_at, data: { order, codes? } }`.",
            'Each request is signed: `X-Kameng-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. Recompute it over the raw body, compare in constant time, and refuse a `t` more than 5 minutes off.',
            "Answer 2xx within 10 s. Anything else (or no answer) is retried with exponential backoff for 24 h; the event `id` (also `X-Kameng-Event-Id`) is the same in every attempt and resend: dedupe on it. Setting a new URL makes a new secret.",
          ].join("\n\n"),
          parameters: [idempotencyHeader],
          requestBody: { required: true, content: json(ref("SetWebhook")) },
          responses: {
            "201": { description: "set; store `secret` now", content: webhookBody },
            "200": {
              description: "a replay of an earlier request with this `Idempotency-Key`: the same URL and secret",
              headers: {
                "Idempotent-Replayed": {
                  description: "`true`: nothing new was set",
                  schema: { type: "string", enum: ["true"] },
                },
              },
              content: webhookBody,
            },
            ...errors(
              "malformed_json",
              "invalid_data",
              "invalid_url",
              "idempotency_key_required",
              "idempotency_key_invalid",
              "payload_too_large",
              "idempotency_conflict",
            ),
          },
        },
        get: {
          tags: ["Webhooks"],
          summary: "Your callback URL (never the secret)",
          responses: { "200": { description: "the webhook", content: webhookBody }, ...errors("webhook_not_found") },
        },
        delete: {
          tags: ["Webhooks"],
          summary: "Stop webhooks (deliveries not yet sent are dropped)",
          responses: { "204": { description: "removed" }, ...errors("webhook_not_found") },
        },
      },
      "/webhook-deliveries": {
        get: {
          tags: ["Webhooks"],
          summary: "Your webhook deliveries (the log), newest first, a page at a time",
          parameters: [pageLimit("Deliveries per page"), pageCursor],
          responses: {
            "200": {
              description: "a page of deliveries (their bodies are not kept with codes: read the order for them)",
              content: json({
                type: "object",
                required: ["deliveries", "next_cursor"],
                properties: { deliveries: { type: "array", items: ref("WebhookDelivery") }, next_cursor: nextCursor },
              }),
            },
            ...errors("invalid_limit", "invalid_cursor"),
          },
        },
      },
      "/webhook-deliveries/{id}/resend": {
        post: {
          tags: ["Webhooks"],
          summary: "Send a delivery again (the same event id), now and with retries",
          parameters: [uuidPath("the delivery id"), idempotencyHeader],
          responses: {
            "202": {
              description: "queued",
              content: json({ type: "object", properties: { delivery: ref("WebhookDelivery") } }),
            },
            ...errors("invalid_id", "delivery_not_found", "idempotency_key_required", "idempotency_key_invalid"),
          },
        },
      },
    },
  };
  return cached;
}
