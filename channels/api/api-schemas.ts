import { z } from "zod";
import { ORDER_STATUSES } from "../../core/orders/index.ts";

/** Request and response shapes of the /v1 API; the OpenAPI document is generated from these. */
export const MAX_API_ORDER_QUANTITY = 1000;

export const idempotencyKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, { message: "1–128 characters of A-Z a-z 0-9 . _ : -" });

export const uuidParamSchema = z.uuid({ message: "must be a UUID" });

/** One message per field, whatever is wrong with it: "required" when it is missing. */
const orRequired = (message: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? "required" : message;
const QUANTITY_RANGE = `must be a whole number from 1 to ${MAX_API_ORDER_QUANTITY}`;

export const createOrderBodySchema = z
  .object({
    product_id: z.uuid({ error: orRequired("must be a product UUID") }),
    quantity: z
      .number({ error: orRequired(QUANTITY_RANGE) })
      .int({ error: QUANTITY_RANGE, abort: true })
      .min(1, { error: QUANTITY_RANGE, abort: true })
      .max(MAX_API_ORDER_QUANTITY, { error: QUANTITY_RANGE })
      .describe("Within the product's own min_qty–max_qty too (422 quantity_out_of_range otherwise)"),
    target: z
      .string({ error: "must be a string" })
      .min(1)
      .max(64)
      .optional()
      .describe("Phone number or game account: required for DIRECT products, refused (422) for CODE products"),
  })
  .strict();

const money = z.number().int().min(0).describe("Integer minor units (fen, cents, Stars)");

export const codeSchema = z.object({ code: z.string(), password: z.string().optional() });

export const orderSchema = z.object({
  id: z.uuid(),
  number: z
    .string()
    .optional()
    .describe(
      "The order number buyers and support use (`K7M2-9QX4`), in the answers of `GET /orders` and `GET /orders/{id}` (which accepts it in place of the id)",
    ),
  status: z.enum(ORDER_STATUSES),
  product_id: z.uuid(),
  quantity: z.number().int().min(1),
  unit_price: money,
  total: money,
  currency: z.string(),
  target: z.string().nullable(),
  failure_reason: z.string().nullable(),
  created_at: z.string(),
  paid_at: z.string().nullable(),
  delivered_at: z.string().nullable(),
  expires_at: z.string(),
  codes: z.array(codeSchema).optional().describe("Present once DELIVERED, to the owning caller only"),
});

export const productSchema = z.object({
  id: z.uuid(),
  sku: z.string(),
  category_id: z.uuid(),
  name_zh: z.string(),
  name_en: z.string(),
  delivery_kind: z.enum(["CODE", "DIRECT"]),
  target_kind: z.enum(["MOBILE", "GAME_ACCOUNT"]).nullable(),
  carrier: z.string().nullable(),
  face_value: money,
  price: money.describe("The caller's unit price"),
  currency: z.string(),
  min_qty: z.number().int().min(1),
  max_qty: z.number().int().min(1),
  stock: z.number().int().min(0).nullable().describe("Available codes; null for DIRECT products"),
});

export const categorySchema = z.object({
  id: z.uuid(),
  slug: z.string(),
  name_zh: z.string(),
  name_en: z.string(),
});

export const walletSchema = z.object({
  balances: z
    .array(z.object({ currency: z.string(), balance: money, held: money, available: money }))
    .describe("CNY always; another currency (USD, XTR Stars) only while its balance or held amount is not zero"),
});

export const pricesSchema = z.object({
  tier: z
    .object({ id: z.string(), name_zh: z.string(), name_en: z.string() })
    .nullable()
    .describe("Your distributor tier; null when you are not a distributor (you pay retail)"),
  prices: z.array(
    z.object({
      product_id: z.uuid(),
      sku: z.string(),
      currency: z.string(),
      retail: money.describe("The platform's retail price per unit"),
      price: money.describe(
        "What you pay per unit when you buy it yourself (your tier price, or your L1's team price)",
      ),
    }),
  ),
});

export const errorSchema = z.object({
  error: z.object({
    code: z.string().describe("Stable machine-readable code"),
    message: z.string(),
    details: z.unknown().optional(),
    requestId: z.string().optional(),
  }),
});

export type OrderJson = z.infer<typeof orderSchema>;
export type PricesJson = z.infer<typeof pricesSchema>;
export type ProductJson = z.infer<typeof productSchema>;
export type CategoryJson = z.infer<typeof categorySchema>;

/** The named schemas of the OpenAPI document (components.schemas). */
export const webhookBodySchema = z
  .object({ url: z.string().min(1, { message: "is required" }).max(2000).describe("Your HTTPS callback URL") })
  .strict();

export const webhookSchema = z.object({
  url: z.string(),
  created_at: z.string().describe("ISO 8601"),
  secret: z
    .string()
    .optional()
    .describe("The signing secret: only in the answer to POST /webhook, shown once; store it"),
});

export const webhookDeliverySchema = z.object({
  id: z.string().describe("The delivery's id (resend it by this)"),
  event_id: z.string().describe("The event's id, the same in every attempt and resend: dedupe on it"),
  event_type: z.enum(["order.paid", "order.delivered", "order.refunded"]),
  order_id: z.string().nullable(),
  status: z.enum(["PENDING", "DELIVERED", "FAILED"]),
  attempts: z.number().int().min(0),
  last_status: z.number().int().nullable().describe("Your receiver's last HTTP status (null: no answer)"),
  last_error: z.string().nullable(),
  created_at: z.string(),
  last_attempt_at: z.string().nullable(),
  delivered_at: z.string().nullable(),
});

export const statementEntrySchema = z.object({
  id: z.string().describe("The entry's id; entries are listed newest first"),
  transaction_id: z.string(),
  kind: z.string().describe("`topup`, `order_settlement`, `order_refund`, `withdrawal_payout`, …"),
  amount: z.number().int().describe("Minor units added to (positive) or taken from (negative) the wallet"),
  currency: z.string(),
  order_id: z.string().nullable(),
  withdrawal_id: z.string().nullable(),
  created_at: z.string(),
});

export type WebhookDeliveryJson = z.infer<typeof webhookDeliverySchema>;
export type StatementEntryJson = z.infer<typeof statementEntrySchema>;

export const apiSchemaRegistry = z.registry<{ id: string }>();
apiSchemaRegistry.add(createOrderBodySchema, { id: "CreateOrder" });
apiSchemaRegistry.add(codeSchema, { id: "DeliveredCode" });
apiSchemaRegistry.add(orderSchema, { id: "Order" });
apiSchemaRegistry.add(productSchema, { id: "Product" });
apiSchemaRegistry.add(categorySchema, { id: "Category" });
apiSchemaRegistry.add(walletSchema, { id: "Wallet" });
apiSchemaRegistry.add(pricesSchema, { id: "Prices" });
apiSchemaRegistry.add(errorSchema, { id: "Error" });
apiSchemaRegistry.add(webhookBodySchema, { id: "SetWebhook" });
apiSchemaRegistry.add(webhookSchema, { id: "Webhook" });
apiSchemaRegistry.add(webhookDeliverySchema, { id: "WebhookDelivery" });
apiSchemaRegistry.add(statementEntrySchema, { id: "StatementEntry" });
