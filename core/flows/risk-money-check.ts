import type { Risk } from "../risk/index.ts";
import { DomainError, type CoreContext } from "../shared/index.ts";

/** A top-up or withdrawal request, as risk sees it (money in minor units). */
export interface MoneyMovementRequest {
  subject: "topup" | "withdrawal";
  /** Unique per request (a payment id, a withdrawal id, or the request's idempotency key): counted once. */
  eventId: string;
  userId: string;
  amount: bigint;
  currency: string;
  ip?: string;
  device?: string;
}

export type MoneyMovementDecision =
  | { kind: "allow"; undo(): Promise<void> }
  | {
      kind: "refuse";
      outcome: "review" | "block" | "kyc_required";
      /** The case reference the user can quote to support. */
      reference: string;
    };

/**
 * Asks risk before money moves for a top-up or a withdrawal (docs/risk.md "Top-ups and withdrawals").
 * Withdrawals (the dist-money module) call this before they hold the money: `review` is theirs to route
 * to staff (their own approval), `block` and `kyc_required` are refusals. A top-up cannot be held once
 * the provider has taken the money, so every non-allow outcome refuses it before the checkout starts.
 */
export async function assessMoneyMovement(
  risk: Pick<Risk, "assess">,
  ctx: CoreContext,
  req: MoneyMovementRequest,
): Promise<MoneyMovementDecision> {
  const d = await risk.assess(ctx, {
    subject: req.subject,
    eventId: req.eventId,
    userId: req.userId,
    channel: ctx.channel,
    amount: req.amount,
    currency: req.currency,
    ...(req.ip ? { ip: req.ip } : {}),
    ...(req.device ? { device: req.device } : {}),
  });
  if (d.outcome === "allow") return { kind: "allow", undo: d.undo };
  if (d.outcome === "review") await d.undo();
  return { kind: "refuse", outcome: d.outcome, reference: d.reference! };
}

/** The top-up gate core/payments calls before a checkout starts: a refusal is thrown as `topup_refused`. */
export function riskTopUpCheck(risk: Pick<Risk, "assess">) {
  return async (
    ctx: CoreContext,
    input: { userId: string; amount: bigint; currency: string; idempotencyKey: string },
  ): Promise<void> => {
    const d = await assessMoneyMovement(risk, ctx, {
      subject: "topup",
      eventId: `topup:${input.userId}:${input.idempotencyKey}`,
      userId: input.userId,
      amount: input.amount,
      currency: input.currency,
    });
    if (d.kind === "refuse")
      throw new DomainError(
        "forbidden",
        d.outcome === "kyc_required" ? "topup_kyc_required" : "topup_refused",
        d.outcome === "kyc_required"
          ? `real-name verification is required before this top-up (reference ${d.reference})`
          : `this top-up was refused; quote reference ${d.reference} to support`,
        { reference: d.reference, outcome: d.outcome },
      );
  };
}
