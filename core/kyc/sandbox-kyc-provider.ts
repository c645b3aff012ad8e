import { createHash } from "node:crypto";
import type { KycVerificationProvider } from "./kyc.types.ts";

/**
 * The sandbox verification provider: answers at once, deterministically, so every path can be tried
 * without a real provider — a name containing `不符` or starting with `MISMATCH` does not match its ID
 * number, one containing `超时` or starting with `UNAVAILABLE` gets no answer; every other pair matches.
 * It checks nothing real: production plugs a real provider into the same port (docs/kyc.md).
 */
export function createSandboxKycProvider(): KycVerificationProvider {
  return {
    name: "sandbox",
    async verify({ requestId, name }) {
      const reference = `sbx_${createHash("sha256").update(requestId).digest("hex").slice(0, 16)}`;
      const upper = name.toUpperCase();
      if (name.includes("超时") || upper.startsWith("UNAVAILABLE")) return { result: "unavailable", reference };
      if (name.includes("不符") || upper.startsWith("MISMATCH")) return { result: "mismatch", reference };
      return { result: "match", reference };
    },
  };
}
