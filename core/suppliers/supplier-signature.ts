import { createHmac } from "node:crypto";
import { constantTimeEqual } from "../shared/index.ts";
import { SIGNATURE_HEADER, SIGNATURE_TOLERANCE_MS, TIMESTAMP_HEADER } from "./supplier-protocol.ts";

export type HeaderSource = Headers | Record<string, string | string[] | undefined>;

export type SignatureCheck = { ok: true } | { ok: false; reason: "missing" | "malformed" | "stale" | "mismatch" };

/** hex HMAC-SHA256(secret, "<ts>.<payload>") */
export function computeSignature(secret: string, timestamp: string, payload: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${payload}`).digest("hex");
}

/** The two protocol headers for `payload`, signed at `now`. */
export function signedHeaders(secret: string, payload: string, now: Date): Record<string, string> {
  const ts = String(Math.floor(now.getTime() / 1000));
  return { [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: computeSignature(secret, ts, payload) };
}

export function headerValue(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === lower) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

/** Checks the protocol headers against `payload`: constant-time compare, replay window both ways. */
export function verifySignature(
  secret: string,
  headers: HeaderSource,
  payload: string,
  now: Date,
  toleranceMs = SIGNATURE_TOLERANCE_MS,
): SignatureCheck {
  const ts = headerValue(headers, TIMESTAMP_HEADER);
  const sig = headerValue(headers, SIGNATURE_HEADER);
  if (!ts || !sig) return { ok: false, reason: "missing" };
  if (!/^\d{1,12}$/.test(ts) || !/^[0-9a-fA-F]{64}$/.test(sig)) return { ok: false, reason: "malformed" };
  if (Math.abs(now.getTime() - Number(ts) * 1000) > toleranceMs) return { ok: false, reason: "stale" };
  const expected = computeSignature(secret, ts, payload);
  return constantTimeEqual(expected, sig.toLowerCase()) ? { ok: true } : { ok: false, reason: "mismatch" };
}
