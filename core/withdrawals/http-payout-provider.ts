import { z } from "zod";
import { signPayload, type Clock } from "../shared/index.ts";
import type { PayoutInstruction, PayoutOutcome, PayoutProvider } from "./withdrawals.types.ts";

export const PAYOUT_SIGNATURE_HEADER = "X-Payout-Signature";

const answer = z.discriminatedUnion("status", [
  z.object({ status: z.literal("paid"), providerRef: z.string().min(1).max(200) }),
  z.object({ status: z.literal("failed"), reason: z.string().min(1).max(500) }),
]);

/**
 * A payout API over HTTP: `POST <baseUrl>/payouts` with the instruction as JSON, signed
 * (`X-Payout-Signature: t=…,v1=HMAC-SHA256(secret, "t.body")`) and keyed by `reference` (the provider
 * pays a reference once and answers a repeat with the first answer). A 2xx body says `paid` or
 * `failed`; anything else (timeout, 5xx, a body it cannot read) is `unknown`: the withdrawal stays PAYING
 * and is asked again with the same reference. The sandbox (channels/http/payouts-sandbox.routes.ts)
 * speaks it; a real provider gets an adapter of its own behind the same port.
 */
export class HttpPayoutProvider implements PayoutProvider {
  readonly name: string;
  constructor(
    private readonly opts: { name?: string; baseUrl: string; secret: string; clock: Clock; timeoutMs?: number },
  ) {
    this.name = opts.name ?? "sandbox";
  }

  async pay(instruction: PayoutInstruction): Promise<PayoutOutcome> {
    const body = JSON.stringify({ ...instruction, amount: instruction.amount.toString() });
    try {
      const res = await fetch(`${this.opts.baseUrl.replace(/\/$/, "")}/payouts`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [PAYOUT_SIGNATURE_HEADER]: signPayload(this.opts.secret, body, this.opts.clock.now()),
          "idempotency-key": instruction.reference,
        },
        body,
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 15_000),
      });
      if (!res.ok) return { status: "unknown", reason: `the payout provider answered HTTP ${res.status}` };
      const parsed = answer.safeParse(await res.json().catch(() => null));
      if (!parsed.success) return { status: "unknown", reason: "the payout provider's answer could not be read" };
      return parsed.data;
    } catch (e) {
      return { status: "unknown", reason: `the payout provider did not answer: ${(e as Error).message}` };
    }
  }
}
