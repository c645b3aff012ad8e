import { z } from "zod";

/**
 * The generic signed JSON supplier protocol (docs/modules.md, core/suppliers).
 *
 * Requests and answers, both directions, carry `X-Kameng-Timestamp` (unix seconds) and
 * `X-Kameng-Signature` (hex HMAC-SHA256 of the shared secret over `<ts>.<payload>`), where the payload
 * is the raw body; a request without a body (`GET /orders/{key}`) signs `GET /orders/{key}` instead,
 * so a captured signature cannot be replayed to read another request.
 *
 * Rules a supplier must follow, which our failure classification relies on:
 * - dedupe on `request_key`: placing the same key again returns the same result and never charges twice;
 * - `503` means "not accepted, nothing charged" (safe to fail over at once); any other 5xx, a timeout or a
 *   dropped connection leaves the outcome unknown until `GET /orders/{key}` answers;
 * - `GET /orders/{key}` for a key it never accepted answers a signed `404`.
 */
export const TIMESTAMP_HEADER = "X-Kameng-Timestamp";
export const SIGNATURE_HEADER = "X-Kameng-Signature";
/** Signed messages older or newer than this are refused (replay window). */
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;

/** Where the supplier callback route is mounted; `callbackUrlFor` fills in the supplier code. */
export const SUPPLIER_CALLBACK_PATH = "/webhooks/suppliers/:supplierCode";

export const REQUEST_KEY_PATTERN = /^[A-Za-z0-9._:-]{1,160}$/;
export const requestKeySchema = z.string().regex(REQUEST_KEY_PATTERN);

export const placeOrderBodySchema = z.object({
  request_key: requestKeySchema,
  sku: z.string().min(1).max(200),
  quantity: z.number().int().min(1).max(10_000),
  target: z.string().min(1).max(200).nullable(),
  callback_url: z.url().nullable(),
});
export type PlaceOrderBody = z.infer<typeof placeOrderBodySchema>;

const wireCodeSchema = z.object({ code: z.string().min(1), password: z.string().min(1).nullish() });

/** A supplier's answer to POST/GET and the body of its callbacks. */
export const supplierAnswerSchema = z.object({
  request_key: requestKeySchema,
  status: z.enum(["succeeded", "pending", "failed"]),
  external_ref: z.string().min(1).nullish(),
  codes: z.array(wireCodeSchema).nullish(),
  reason: z.string().max(500).nullish(),
});
export type SupplierAnswer = z.infer<typeof supplierAnswerSchema>;

/** The signed body of a supplier's 4xx answers (`404` for an unknown key, `400`/`409` for a bad request). */
export const supplierErrorSchema = z.object({
  request_key: requestKeySchema.nullish(),
  error: z.string().min(1).max(200),
});
export type SupplierErrorBody = z.infer<typeof supplierErrorSchema>;

/** What a request without a body signs instead (see the module comment). */
export function queryPayload(requestKey: string): string {
  return `GET /orders/${requestKey}`;
}
