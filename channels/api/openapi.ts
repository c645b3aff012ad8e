import { z } from "zod";
import { apiSchemaRegistry } from "./api-schemas.ts";

/** The OpenAPI 3.1 document of /v1, generated from the zod schemas the routes validate with. */
let cached: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const { schemas } = z.toJSONSchema(apiSchemaRegistry, {
    target: "draft-2020-12",
    unrepresentable: "any",
    uri: (id) => `#/components/schemas/${id}`,
  });
  for (const s of Object.values(schemas)) {
    delete (s as { $schema?: string }).$schema;
    delete (s as { $id?: string }).$id;
  }
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const json = (s: unknown) => ({ "application/json": { schema: s } });
  const errors = (...codes: string[]) =>
    Object.fromEntries(
      codes.map((code) => [code, { description: ERROR_DESCRIPTIONS[code] ?? "error", content: json(ref("Error")) }]),
    );
  const bearer = [{ apiKey: [] }];
  const idempotencyHeader = {
    name: "Idempotency-Key",
    in: "header",
    required: true,
    description: "Same key + same body → the same order (`Idempotent-Replayed: true`); same key + another body → 409.",
    schema: { type: "string", pattern: "^[A-Za-z0-9._:-]{1,128}$" },
  };
  cached = {
    openapi: "3.1.0",
    info: {
      title: "kameng distributor API",
      version: "1",
      description:
        "Buy digital goods (card codes and direct top-ups) paid from your wallet. Money is integer minor units. Errors are `{ error: { code, message } }` with stable codes.",
    },
    servers: [{ url: "/v1" }],
    components: {
      securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "`kmg_live_…` API key" } },
      schemas,
    },
    security: bearer,
    paths: {
      "/products": {
        get: {
          summary: "Products with your prices and stock",
          parameters: [
            { name: "category_id", in: "query", required: false, schema: { type: "string", format: "uuid" } },
          ],
          responses: {
            "200": {
              description: "products",
              content: json({ type: "object", properties: { products: { type: "array", items: ref("Product") } } }),
            },
            ...errors("401"),
          },
        },
      },
      "/orders": {
        post: {
          summary: "Place an order paid from your wallet",
          parameters: [idempotencyHeader],
          requestBody: { required: true, content: json(ref("CreateOrder")) },
          responses: {
            "201": {
              description: "placed and paid; delivery follows (poll GET /orders/{id})",
              content: json({ type: "object", properties: { order: ref("Order") } }),
            },
            "200": {
              description: "a replay of the same request",
              content: json({ type: "object", properties: { order: ref("Order") } }),
            },
            ...errors("400", "401", "402", "404", "409", "422"),
          },
        },
        get: {
          summary: "Your recent orders",
          parameters: [
            { name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 100 } },
          ],
          responses: {
            "200": {
              description: "orders",
              content: json({ type: "object", properties: { orders: { type: "array", items: ref("Order") } } }),
            },
            ...errors("400", "401"),
          },
        },
      },
      "/orders/{id}": {
        get: {
          summary: "One of your orders, with its codes once delivered",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }],
          responses: {
            "200": { description: "the order", content: json({ type: "object", properties: { order: ref("Order") } }) },
            ...errors("400", "401", "404"),
          },
        },
      },
      "/wallet": {
        get: {
          summary: "Your wallet balances",
          responses: { "200": { description: "balances", content: json(ref("Wallet")) }, ...errors("401") },
        },
      },
    },
  };
  return cached;
}

const ERROR_DESCRIPTIONS: Record<string, string> = {
  "400": "malformed_json, invalid_data, invalid_id, idempotency_key_required, idempotency_key_invalid",
  "401": "api_key_required, api_key_invalid",
  "402": "insufficient_funds",
  "404": "order_not_found, product_unavailable",
  "409": "out_of_stock, idempotency_conflict",
  "422": "quantity_out_of_range, target_required, invalid_mobile, wrong_carrier, invalid_account",
};
