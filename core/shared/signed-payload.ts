import { createHmac } from "node:crypto";
import { constantTimeEqual } from "./secret-box.ts";

/**
 * The one request-signing scheme kameng speaks (the sandbox payment webhook, payouts, distributor
 * webhooks): header `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 */
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;

export type SignatureCheck =
  { ok: true } | { ok: false; code: "missing_signature" | "invalid_signature" | "stale_timestamp" };

export function signPayload(secret: string, rawBody: string, at: Date): string {
  const t = String(Math.floor(at.getTime() / 1000));
  return `t=${t},v1=${createHmac("sha256", secret).update(`${t}.${rawBody}`).digest("hex")}`;
}

/**
 * The signature is checked before the timestamp, so an unsigned caller learns nothing about the
 * window; several `v1` values are accepted (secret rotation), each compared in constant time.
 */
export function verifyPayload(
  secret: string,
  header: string | null | undefined,
  rawBody: string,
  now: Date,
  toleranceMs = SIGNATURE_TOLERANCE_MS,
): SignatureCheck {
  if (!header) return { ok: false, code: "missing_signature" };
  let t: string | undefined;
  const v1: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === "t") t = v;
    else if (k === "v1") v1.push(v.toLowerCase());
  }
  if (!t || !/^\d{1,12}$/.test(t) || !v1.some((s) => /^[0-9a-f]{64}$/.test(s)))
    return { ok: false, code: "invalid_signature" };
  const expected = createHmac("sha256", secret).update(`${t}.${rawBody}`).digest("hex");
  let match = false;
  for (const s of v1) match = constantTimeEqual(expected, s) || match;
  if (!match) return { ok: false, code: "invalid_signature" };
  if (Math.abs(now.getTime() - Number(t) * 1000) > toleranceMs) return { ok: false, code: "stale_timestamp" };
  return { ok: true };
}
