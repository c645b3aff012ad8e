import { Hono } from "hono";
import { z } from "zod";
import { verifyPayload, type Clock } from "../../core/shared/index.ts";
import { PAYOUT_SIGNATURE_HEADER } from "../../core/withdrawals/index.ts";

const instruction = z.object({
  reference: z.string().min(1).max(100),
  kind: z.enum(["bank_card", "alipay"]),
  account: z.string().min(1).max(100),
  holderName: z.string().min(1).max(60),
  amount: z.string().regex(/^\d{1,18}$/),
  currency: z.string().length(3),
});

export type SandboxPayoutAnswer = { status: "paid"; providerRef: string } | { status: "failed"; reason: string };

/**
 * The sandbox payout provider (development and tests; off in production): `POST /sandbox/payouts`, the
 * protocol HttpPayoutProvider speaks. It checks the signature, pays each reference once (a repeat gets
 * the first answer), and refuses accounts ending in `0000` ("account closed") so the failure path can be
 * tried. It moves no money: it only answers as a provider would. `payouts` is what it has answered.
 */
export function payoutSandboxRoutes(deps: { secret: string; clock: Clock }) {
  const answered = new Map<string, SandboxPayoutAnswer>();
  const app = new Hono();
  app.post("/sandbox/payouts", async (c) => {
    const body = await c.req.text();
    const check = verifyPayload(deps.secret, c.req.header(PAYOUT_SIGNATURE_HEADER), body, deps.clock.now());
    if (!check.ok) return c.json({ error: { code: check.code, message: "the payout request is not signed" } }, 401);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = null;
    }
    const p = instruction.safeParse(json);
    if (!p.success) return c.json({ error: { code: "bad_request", message: p.error.issues[0]?.message } }, 400);
    const earlier = answered.get(p.data.reference);
    if (earlier) return c.json(earlier);
    const answer: SandboxPayoutAnswer = p.data.account.endsWith("0000")
      ? { status: "failed", reason: "account closed" }
      : { status: "paid", providerRef: `sbx_po_${p.data.reference.replaceAll("-", "").slice(-16)}` };
    answered.set(p.data.reference, answer);
    return c.json(answer);
  });
  return Object.assign(app, { payouts: answered });
}
