import { createHmac } from "node:crypto";
import { z } from "zod";
import type { Clock } from "../shared/index.ts";
import type { KycVerificationProvider } from "./kyc.types.ts";

/**
 * A verification provider behind HTTP (docs/kyc.md "Provider protocol"): `POST <url>` with the JSON
 * `{ requestId, name, idNumber }`, signed `X-Kyc-Timestamp` + `X-Kyc-Signature` (hex HMAC-SHA256 of
 * `<timestamp>.<body>` with the shared secret), answered `{ result: "match" | "mismatch", reference }`.
 * A real provider's own API sits behind a small bridge speaking this; anything else — a timeout, a 5xx, a
 * body that is not this shape — is `unavailable` (the submission then waits for staff), never a guess.
 * The request carries the ID number: only ever over HTTPS to a provider the operator chose.
 */
export interface HttpKycProviderOptions {
  name: string;
  url: string;
  secret: string;
  clock: Clock;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const answerSchema = z.object({ result: z.enum(["match", "mismatch"]), reference: z.string().min(1).max(200) });

export function createHttpKycProvider(o: HttpKycProviderOptions): KycVerificationProvider {
  const doFetch = o.fetch ?? fetch;
  return {
    name: o.name,
    async verify(request) {
      const body = JSON.stringify(request);
      const ts = String(Math.floor(o.clock.now().getTime() / 1000));
      const signature = createHmac("sha256", o.secret).update(`${ts}.${body}`).digest("hex");
      const unavailable = { result: "unavailable" as const, reference: `unanswered:${request.requestId}` };
      try {
        const res = await doFetch(o.url, {
          method: "POST",
          headers: { "content-type": "application/json", "x-kyc-timestamp": ts, "x-kyc-signature": signature },
          body,
          signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
        });
        if (!res.ok) return unavailable;
        const parsed = answerSchema.safeParse(await res.json());
        return parsed.success ? parsed.data : unavailable;
      } catch {
        // Never log or rethrow with the request: it holds the ID number.
        return unavailable;
      }
    },
  };
}
