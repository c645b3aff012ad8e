import { rowMap, selectList, sql } from "../shared/index.ts";
import type { WebhookBody, WebhookDelivery, WebhookEndpoint } from "./webhooks.types.ts";

/** Every statement of core/webhooks (tables webhook_endpoints, webhook_deliveries). */

export const ENDPOINT_ROW = rowMap<WebhookEndpoint>(
  "webhook_endpoints",
  {
    userId: { column: "user_id", cast: "text" },
    url: { column: "url" },
    createdAt: { column: "created_at" },
  },
  ["secret_enc", "set_key"],
);
const ENDPOINT = selectList(ENDPOINT_ROW, "e");

export const DELIVERY_ROW = rowMap<WebhookDelivery>("webhook_deliveries", {
  id: { column: "id", cast: "text" },
  userId: { column: "user_id", cast: "text" },
  eventId: { column: "event_id" },
  eventType: { column: "event_type" },
  orderId: { column: "order_id", cast: "text" },
  body: { column: "body" },
  status: { column: "status" },
  attempts: { column: "attempts" },
  lastStatus: { column: "last_status" },
  lastError: { column: "last_error" },
  createdAt: { column: "created_at" },
  lastAttemptAt: { column: "last_attempt_at" },
  deliveredAt: { column: "delivered_at" },
});
const DELIVERY = selectList(DELIVERY_ROW, "d");

export const upsertEndpointSql = (userId: string, url: string, secretEnc: string, setKey: string, now: Date) => sql`
  INSERT INTO webhook_endpoints AS e (user_id, url, secret_enc, set_key, created_at)
  VALUES (${userId}::uuid, ${url}::text, ${secretEnc}::text, ${setKey}::text, ${now}::timestamptz)
  ON CONFLICT (user_id) DO UPDATE SET url = EXCLUDED.url, secret_enc = EXCLUDED.secret_enc, set_key = EXCLUDED.set_key,
    created_at = EXCLUDED.created_at
  RETURNING ${ENDPOINT}`;

export const endpointSql = (userId: string) =>
  sql`SELECT ${ENDPOINT} FROM webhook_endpoints e WHERE e.user_id = ${userId}::uuid`;

export const endpointSecretSql = (userId: string) =>
  sql`SELECT ${ENDPOINT}, e.secret_enc AS "secretEnc", e.set_key AS "setKey" FROM webhook_endpoints e
      WHERE e.user_id = ${userId}::uuid`;

/** The caller's endpoint locked while a set decides whether it is a replay (one set at a time per caller). */
export const lockEndpointSql = (userId: string) =>
  sql`SELECT ${ENDPOINT}, e.secret_enc AS "secretEnc", e.set_key AS "setKey" FROM webhook_endpoints e
      WHERE e.user_id = ${userId}::uuid FOR UPDATE`;

export const deleteEndpointSql = (userId: string) =>
  sql`DELETE FROM webhook_endpoints e WHERE e.user_id = ${userId}::uuid`;

/** One delivery per (distributor, event): a repeated event answers nothing (ON CONFLICT). */
export const insertDeliverySql = (d: {
  id: string;
  userId: string;
  eventId: string;
  eventType: string;
  orderId: string | null;
  body: WebhookBody;
  now: Date;
}) => sql`
  INSERT INTO webhook_deliveries AS d (id, user_id, event_id, event_type, order_id, body, status, created_at)
  VALUES (${d.id}::uuid, ${d.userId}::uuid, ${d.eventId}::text, ${d.eventType}::text, ${d.orderId}::uuid,
          ${JSON.stringify(d.body)}::jsonb, 'PENDING', ${d.now}::timestamptz)
  ON CONFLICT (user_id, event_id) DO NOTHING
  RETURNING ${DELIVERY}`;

export const deliverySql = (id: string) => sql`SELECT ${DELIVERY} FROM webhook_deliveries d WHERE d.id = ${id}::uuid`;

export const deliveryByEventSql = (userId: string, eventId: string) =>
  sql`SELECT ${DELIVERY} FROM webhook_deliveries d WHERE d.user_id = ${userId}::uuid AND d.event_id = ${eventId}::text`;

export const attemptedSql = (id: string, ok: boolean, status: number | null, error: string | null, now: Date) => sql`
  UPDATE webhook_deliveries AS d SET attempts = d.attempts + 1, last_status = ${status}::int, last_error = ${error}::text,
         last_attempt_at = ${now}::timestamptz,
         status = CASE WHEN ${ok}::boolean THEN 'DELIVERED' ELSE d.status END,
         delivered_at = CASE WHEN ${ok}::boolean THEN COALESCE(d.delivered_at, ${now}::timestamptz) ELSE d.delivered_at END
  WHERE d.id = ${id}::uuid`;

export const markFailedSql = (id: string, error: string) => sql`
  UPDATE webhook_deliveries AS d SET status = 'FAILED', last_error = ${error}::text
  WHERE d.id = ${id}::uuid AND d.status = 'PENDING'`;

export const resetSql = (id: string, userId: string) => sql`
  UPDATE webhook_deliveries AS d SET status = CASE WHEN d.status = 'DELIVERED' THEN d.status ELSE 'PENDING' END
  WHERE d.id = ${id}::uuid AND d.user_id = ${userId}::uuid
  RETURNING ${DELIVERY}`;

export const firstPageSql = (userId: string, limit: number) => sql`
  SELECT ${DELIVERY} FROM webhook_deliveries d WHERE d.user_id = ${userId}::uuid
  ORDER BY d.created_at DESC, d.id DESC LIMIT ${limit}::int`;

export const pageAfterSql = (userId: string, before: Date, beforeId: string, limit: number) => sql`
  SELECT ${DELIVERY} FROM webhook_deliveries d WHERE d.user_id = ${userId}::uuid
    AND (d.created_at, d.id) < (${before}::timestamptz, ${beforeId}::uuid)
  ORDER BY d.created_at DESC, d.id DESC LIMIT ${limit}::int`;
