/**
 * Every error code the distributor API answers with, its status and what it means: the OpenAPI
 * document lists them per operation from here, and a test checks the routes' codes are all here.
 */
export const API_ERRORS = {
  malformed_json: { status: 400, doc: "the body is not valid JSON" },
  invalid_data: { status: 400, doc: "a field is missing or wrong; `details.issues` names each (`path`, `message`)" },
  invalid_id: { status: 400, doc: "an id in the path or query is not a UUID (an order: nor an order number)" },
  order_number_mistyped: {
    status: 400,
    doc: "the path names an order number whose last character (a check character) does not match: a typo",
  },
  invalid_limit: { status: 400, doc: "`limit` is not a whole number from 1 to 100" },
  invalid_url: {
    status: 400,
    doc: "the callback `url` is not an absolute https URL (without user, password or #fragment)",
  },
  invalid_currency: { status: 400, doc: "`currency` is not one of the wallet currencies" },
  invalid_cursor: { status: 400, doc: "`cursor` is not one this API returned" },
  idempotency_key_required: { status: 400, doc: "a POST without an `Idempotency-Key` header" },
  idempotency_key_invalid: { status: 400, doc: "the `Idempotency-Key` is not 1–128 of A-Z a-z 0-9 . _ : -" },
  api_key_required: { status: 401, doc: "no `Authorization: Bearer <API key>` header" },
  api_key_invalid: { status: 401, doc: "the API key is malformed, unknown or revoked" },
  insufficient_funds: { status: 402, doc: "the wallet balance does not cover the order" },
  order_blocked: {
    status: 403,
    doc: "the order was refused by a placement check (risk, limits); `details.reference` identifies the decision for support",
  },
  kyc_required: {
    status: 403,
    doc: "the buyer must complete real-name verification (KYC) before this order; `details.reference` identifies the decision",
  },
  order_not_found: { status: 404, doc: "no such order among yours" },
  product_not_found: { status: 404, doc: "no such product for sale" },
  product_unavailable: { status: 404, doc: "the product does not exist or is not for sale now" },
  route_not_found: { status: 404, doc: "no such path" },
  webhook_not_found: { status: 404, doc: "you have no callback URL set" },
  delivery_not_found: { status: 404, doc: "no such webhook delivery among yours" },
  method_not_allowed: { status: 405, doc: "the path exists but not with this method; `Allow` lists the methods" },
  out_of_stock: { status: 409, doc: "not enough codes in stock; `details.available` says how many" },
  idempotency_conflict: { status: 409, doc: "this `Idempotency-Key` was used with a different body" },
  payload_too_large: { status: 413, doc: "the body is larger than 1 MiB" },
  quantity_out_of_range: {
    status: 422,
    doc: "outside the product's `min_qty`–`max_qty`; `details` has `min` and `max`",
  },
  target_required: { status: 422, doc: "a DIRECT product needs `target`" },
  target_not_allowed: { status: 422, doc: "a CODE product takes no `target`" },
  invalid_mobile: { status: 422, doc: "`target` is not a mainland China mobile number" },
  wrong_carrier: { status: 422, doc: "`target` belongs to another carrier than the product's" },
  invalid_account: { status: 422, doc: "`target` is not a valid account id for the product" },
  rate_limited: {
    status: 429,
    doc: "too many requests for this API key (or, without a valid key, this IP); wait `Retry-After` seconds",
  },
  internal_error: { status: 500, doc: "our fault; the `requestId` helps support find it" },
  ledger_retry: { status: 503, doc: "a momentary conflict; send the same request again (same `Idempotency-Key`)" },
} as const satisfies Record<string, { status: number; doc: string }>;

export type ApiErrorCode = keyof typeof API_ERRORS;

/** Answered by every operation: authentication, method, size, rate limit, failures on our side. */
export const COMMON_ERRORS: ApiErrorCode[] = [
  "api_key_required",
  "api_key_invalid",
  "method_not_allowed",
  "rate_limited",
  "internal_error",
];
