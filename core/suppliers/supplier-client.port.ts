/**
 * The port every supplier integration implements. `HttpSupplierClient` speaks the generic signed JSON
 * protocol; a supplier with its own API gets its own adapter behind this interface.
 */
export interface SupplierClient {
  /** Places (or re-places: suppliers dedupe on `requestKey`) a purchase. Never throws for supplier trouble. */
  place(req: SupplierPlaceRequest): Promise<SupplierOutcome>;
  /** Asks what became of `requestKey`. Never throws for supplier trouble. */
  query(requestKey: string): Promise<SupplierOutcome>;
}

export interface SupplierPlaceRequest {
  requestKey: string;
  sku: string;
  quantity: number;
  /** Phone number or game account for DIRECT top-ups; null for code products. */
  target: string | null;
  callbackUrl: string | null;
}

/** A code (and optional password) a supplier returned. Secret: never log it, store it only encrypted. */
export interface SupplierCode {
  code: string;
  password?: string;
}

/**
 * Why a supplier call failed, and what the caller may do next:
 * | reason | retryable | unknown | meaning |
 * |---|---|---|---|
 * | `timeout` | yes | **yes** | no answer in time; the supplier may have processed it |
 * | `network` | yes | if the request may have left | connection refused / DNS (known), reset mid-flight (unknown) |
 * | `server_error` | yes | **yes** | 5xx other than 503: may have been processed |
 * | `unavailable` | yes | no | 503: by protocol, not accepted and not charged |
 * | `rate_limited` | yes | no | 429 |
 * | `not_found` | yes | no | a query: the supplier never accepted this key (safe to place again) |
 * | `rejected` | no | no | the supplier refused (4xx or an explicit `failed` answer) |
 * | `bad_signature` | no | **yes** | the answer was unsigned, forged or stale: ignored, outcome unknown |
 * | `bad_response` | no | **yes** | the answer was signed but unreadable or for another key |
 */
export type SupplierFailureReason =
  | "timeout"
  | "network"
  | "server_error"
  | "unavailable"
  | "rate_limited"
  | "not_found"
  | "rejected"
  | "bad_signature"
  | "bad_response";

export type SupplierSucceeded = { status: "succeeded"; externalRef: string; codes?: SupplierCode[] };
export type SupplierPending = { status: "pending"; externalRef: string | null };
/**
 * `unknown: true` means the supplier may have charged and delivered: the caller must `query` (or wait for the
 * callback / the polling job) before it tries another supplier, or it risks buying twice.
 * `retryable` says whether asking the same supplier again can help. `detail` is the supplier's own words.
 */
export type SupplierFailed = {
  status: "failed";
  retryable: boolean;
  unknown: boolean;
  reason: SupplierFailureReason;
  detail?: string;
};

export type SupplierOutcome = SupplierSucceeded | SupplierPending | SupplierFailed;

/** True when the outcome is final: success, or a failure that is known and will not change. */
export function isFinalOutcome(outcome: SupplierOutcome): boolean {
  if (outcome.status === "succeeded") return true;
  if (outcome.status === "pending") return false;
  return !outcome.unknown && !outcome.retryable;
}
