import { assertExhaustive } from "../shared/index.ts";
import type { SupplierFailed } from "./supplier-client.port.ts";

/** What went wrong talking to a supplier, as observed by a client, before classification. */
export type SupplierFault =
  | { kind: "timeout" }
  /** `sent`: whether the request may have reached the supplier (false for refused connections and DNS errors). */
  | { kind: "network"; sent: boolean; code?: string }
  | { kind: "http_status"; status: number; detail?: string }
  | { kind: "explicit_failure"; detail?: string }
  | { kind: "unknown_request" }
  | { kind: "bad_signature"; detail?: string }
  | { kind: "bad_response"; detail?: string };

/** The one place that decides retryable/unknown for every kind of supplier trouble (see SupplierFailureReason). */
export function classifySupplierFault(fault: SupplierFault): SupplierFailed {
  switch (fault.kind) {
    case "timeout":
      return failed("timeout", true, true);
    case "network":
      return failed("network", true, fault.sent, fault.code);
    case "http_status":
      if (fault.status === 503) return failed("unavailable", true, false, fault.detail);
      if (fault.status >= 500) return failed("server_error", true, true, `http ${fault.status}`);
      if (fault.status === 429) return failed("rate_limited", true, false, fault.detail);
      if (fault.status === 404) return failed("not_found", true, false, fault.detail);
      if (fault.status >= 400) return failed("rejected", false, false, fault.detail ?? `http ${fault.status}`);
      // 1xx/3xx (a redirect we did not follow) or an unexpected 2xx shape: we cannot tell what happened.
      return failed("bad_response", false, true, `http ${fault.status}`);
    case "explicit_failure":
      return failed("rejected", false, false, fault.detail);
    case "unknown_request":
      return failed("not_found", true, false);
    case "bad_signature":
      return failed("bad_signature", false, true, fault.detail);
    case "bad_response":
      return failed("bad_response", false, true, fault.detail);
    default:
      return assertExhaustive(fault, "supplier fault");
  }
}

function failed(
  reason: SupplierFailed["reason"],
  retryable: boolean,
  unknown: boolean,
  detail?: string,
): SupplierFailed {
  return detail === undefined
    ? { status: "failed", retryable, unknown, reason }
    : { status: "failed", retryable, unknown, reason, detail };
}

/** Error codes of a connection that never carried our request (so the supplier cannot have seen it). */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

/** Turns a thrown fetch error (undici nests the system error in `cause`) into a network fault. */
export function networkFault(e: unknown): SupplierFault {
  const seen = new Set<unknown>();
  let cur: unknown = e;
  while (cur && typeof cur === "object" && !seen.has(cur)) {
    seen.add(cur);
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string" && /^[A-Z_]+$/.test(code))
      return { kind: "network", sent: !NOT_SENT_CODES.has(code), code };
    cur = (cur as { cause?: unknown }).cause;
  }
  return { kind: "network", sent: true };
}
