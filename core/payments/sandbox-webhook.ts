import { createHash, randomBytes } from "node:crypto";
import { notFound, systemContext, type Clock, type CoreContext, type SqlRunner, type SqlTx } from "../shared/index.ts";
import { isUuid, readPayment } from "./payment-rows.ts";
import { recordWebhookEventSql } from "./payments.sql.ts";
import type { Payments, SandboxDelivery, SandboxWebhookResult } from "./payments.types.ts";
import { sandboxEventSchema, type SandboxEvent } from "./sandbox-event.ts";
import { signSandboxPayload, verifySandboxSignature, SANDBOX_SIGNATURE_HEADER } from "./sandbox-signature.ts";

interface Deps {
  sql: SqlRunner;
  clock: Clock;
  secret: string;
  payments: Pick<Payments, "confirm" | "fail">;
}

export function createSandboxWebhook({ sql, clock, secret, payments }: Deps) {
  /**
   * Verifies, parses and applies one delivery. The event id is recorded in the same transaction
   * as its effect, so a redelivery (sequential or concurrent) is a no-op, and a crash mid-way leaves
   * nothing recorded for the provider's retry to trip over.
   */
  async function handle(rawBody: string, headers: Headers): Promise<SandboxWebhookResult> {
    const sig = verifySandboxSignature(secret, headers.get(SANDBOX_SIGNATURE_HEADER), rawBody, clock.now());
    if (!sig.ok) return { ok: false, code: sig.code, message: signatureMessage[sig.code] };
    let json: unknown;
    try {
      json = JSON.parse(rawBody);
    } catch {
      return { ok: false, code: "malformed_json", message: "the body is not valid JSON" };
    }
    const parsed = sandboxEventSchema.safeParse(json);
    if (!parsed.success)
      return {
        ok: false,
        code: "invalid_event",
        message: parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "),
      };
    const event = parsed.data;
    const ctx = systemContext(`sandbox:${event.id}`, { channel: "http" });
    const payloadHash = createHash("sha256").update(rawBody).digest("hex");
    return sql.transaction(async (tx) => {
      const recorded = await tx.query(recordWebhookEventSql("sandbox", event.id, payloadHash, clock.now()));
      if (recorded.length === 0) return { ok: true, outcome: "duplicate", eventId: event.id };
      return apply(ctx, event, { tx });
    });
  }

  async function apply(ctx: CoreContext, event: SandboxEvent, opts: { tx: SqlTx }): Promise<SandboxWebhookResult> {
    const base = { ok: true as const, eventId: event.id };
    if (!isUuid(event.payment_id)) return { ...base, outcome: "ignored", reason: "unknown_payment" };
    if (event.type === "payment.failed") {
      const r = await payments.fail(ctx, { provider: "sandbox", paymentId: event.payment_id }, opts);
      if (!r.ok) return { ...base, outcome: "ignored", reason: "unknown_payment" };
      return r.changed
        ? { ...base, outcome: "failed" }
        : { ...base, outcome: "ignored", reason: `payment is ${r.payment.status.toLowerCase()}` };
    }
    const r = await payments.confirm(
      ctx,
      {
        provider: "sandbox",
        paymentId: event.payment_id,
        externalId: event.id,
        amount: BigInt(event.amount),
        currency: event.currency,
      },
      opts,
    );
    if (!r.ok)
      return r.code === "payment_not_found"
        ? { ...base, outcome: "ignored", reason: "unknown_payment" }
        : { ...base, outcome: "rejected", reason: r.code };
    return { ...base, outcome: r.credited ? "credited" : "already_succeeded" };
  }

  /** Plays the provider: builds the event for a payment and signs it at the clock's now. */
  async function simulate(
    _ctx: CoreContext,
    input: { paymentId: string; outcome: "succeeded" | "failed" },
  ): Promise<SandboxDelivery> {
    const payment = await readPayment(sql, input.paymentId, false);
    if (!payment || payment.provider !== "sandbox") throw notFound("payment_not_found", "no such sandbox payment");
    const now = clock.now();
    const event: SandboxEvent = {
      id: `evt_${randomBytes(12).toString("hex")}`,
      type: input.outcome === "succeeded" ? "payment.succeeded" : "payment.failed",
      payment_id: payment.id,
      amount: Number(payment.amount),
      currency: payment.currency,
      created: Math.floor(now.getTime() / 1000),
    };
    const rawBody = JSON.stringify(event);
    return { rawBody, signature: signSandboxPayload(secret, rawBody, now) };
  }

  return { handle, simulate };
}

const signatureMessage = {
  missing_signature: `the ${SANDBOX_SIGNATURE_HEADER} header is missing`,
  invalid_signature: `the ${SANDBOX_SIGNATURE_HEADER} header does not match the body`,
  stale_timestamp: "the signature timestamp is outside the 5-minute window",
} as const;
