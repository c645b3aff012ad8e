import type { CommittedEvent } from "../events/index.ts";
import type { CoreContext } from "../shared/index.ts";

/** The order events a distributor's callback URL receives (orders they placed through the API). */
export const WEBHOOK_EVENT_TYPES = ["order.paid", "order.delivered", "order.refunded"] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const SIGNATURE_HEADER = "X-Kameng-Signature";
export const EVENT_ID_HEADER = "X-Kameng-Event-Id";

export interface WebhookEndpoint {
  userId: string;
  url: string;
  createdAt: Date;
}

export const DELIVERY_STATUSES = ["PENDING", "DELIVERED", "FAILED"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The body the receiver gets, minus the codes (added only to the signed request). */
export interface WebhookBody {
  /** Stable across retries and resends: the receiver dedupes on it. */
  id: string;
  type: WebhookEventType;
  created_at: string;
  data: {
    order: {
      id: string;
      status: string;
      from: string | null;
      product_id: string;
      total: number;
      currency: string;
      reason?: string;
    };
    codes?: Array<{ code: string; password?: string }>;
  };
}

export interface WebhookDelivery {
  id: string;
  userId: string;
  eventId: string;
  eventType: string;
  orderId: string | null;
  body: WebhookBody;
  status: DeliveryStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  lastAttemptAt: Date | null;
  deliveredAt: Date | null;
}

/** Port: a delivered order's codes, decrypted (the orders facade's `codesFor`, as the platform). */
/** The HTTP POST a delivery makes (the app gives one that reaches public addresses only). */
export type WebhookFetch = (
  url: string,
  init: { method: "POST"; headers: Record<string, string>; body: string; redirect: "manual"; signal: AbortSignal },
) => Promise<{ status: number; body: { cancel(): Promise<void> } | null }>;

export interface WebhookCodes {
  codesFor(orderId: string): Promise<Array<{ code: string; password?: string | null }>>;
}

export type DeliverResult =
  | { ok: true; status: number }
  /** Not delivered this time: the job retries (non-2xx, timeout, network). */
  | { ok: false; status: number | null; error: string }
  /** Nothing to send: the delivery is gone or its endpoint was removed. */
  | { ok: true; skipped: true };

export interface Webhooks {
  /** Sets (or replaces) the caller's callback URL; the signing secret is in the answer and nowhere else. */
  setEndpoint(
    ctx: CoreContext,
    input: { userId: string; url: string; idempotencyKey: string },
  ): Promise<WebhookEndpoint & { secret: string; replayed: boolean }>;
  getEndpoint(ctx: CoreContext, input: { userId: string }): Promise<WebhookEndpoint | null>;
  removeEndpoint(ctx: CoreContext, input: { userId: string }): Promise<boolean>;
  /** The event consumer: a delivery row for the order's owner when they have an endpoint (once per event). */
  record(ctx: CoreContext, event: CommittedEvent<WebhookEventType>): Promise<WebhookDelivery | null>;
  /** One attempt: POSTs the signed body; records the answer. */
  deliver(ctx: CoreContext, input: { deliveryId: string }): Promise<DeliverResult>;
  /** Retries ran out: the delivery is FAILED (a resend may still deliver it). */
  markFailed(ctx: CoreContext, input: { deliveryId: string; error: string }): Promise<void>;
  /** The caller's deliveries, newest first, by cursor. */
  list(
    ctx: CoreContext,
    input: { userId: string; limit: number; cursor?: string },
  ): Promise<{ deliveries: WebhookDelivery[]; nextCursor: string | null }>;
  /** Sends a delivery again (same event id); the caller's own only. */
  resend(ctx: CoreContext, input: { userId: string; deliveryId: string }): Promise<WebhookDelivery>;
}
