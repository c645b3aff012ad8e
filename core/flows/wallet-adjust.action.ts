import { z } from "zod";
import { defineAction, type AnyReviewableAction } from "../approvals/index.ts";
import type { Ledger } from "../ledger/index.ts";
import {
  conflict,
  currencySchema,
  delegate,
  formatMoney,
  notFound,
  type CoreContext,
  type Currency,
} from "../shared/index.ts";

export const WALLET_ADJUST_ACTION = "wallet.adjust";

export interface WalletAdjustment {
  userId: string;
  direction: "credit" | "debit";
  /** Minor units, positive, as a decimal string (the request is stored as JSON). */
  amount: string;
  currency: Currency;
}

const schema = z.object({
  userId: z
    .string()
    .uuid({ message: "must be a user id" })
    .transform((s) => s.toLowerCase()),
  direction: z.enum(["credit", "debit"]),
  amount: z
    .union([z.bigint(), z.string()])
    .transform((v) => String(v))
    .pipe(z.string().regex(/^[1-9]\d{0,14}$/, "must be a positive whole number of minor units")),
  currency: currencySchema,
});

/**
 * A staff wallet credit or debit with a reason (core/approvals `wallet.adjust`, permission `wallet.credit`):
 * over the configured amount per currency (a currency without one: any amount) it needs a second staff
 * member. Posted once through the ledger (idempotent on the request): a credit is the platform's expense —
 * `wallet +A, custody −A` (the platform funds the custody account) `, platform_cash +A, revenue −A`; a debit
 * is the reverse, refused when the wallet's available balance is short. Custody and customer funds move
 * together, so `reconcile` stays OK.
 */
export function walletAdjustAction(deps: {
  ledger: Pick<Ledger, "post" | "walletCode" | "systemCode">;
  users: { findUser(ctx: CoreContext, userId: string): Promise<{ id: string } | null> };
  thresholds: Partial<Record<Currency, bigint>>;
}): AnyReviewableAction {
  return defineAction<WalletAdjustment>({
    name: WALLET_ADJUST_ACTION,
    permission: "wallet.credit",
    schema: schema as z.ZodType<WalletAdjustment>,
    async precheck(ctx, p) {
      if (!(await deps.users.findUser(delegate(ctx, "wallet.adjust.precheck"), p.userId)))
        throw notFound("user_not_found", `no user ${p.userId}`);
    },
    async needsApproval(_ctx, p) {
      const over = deps.thresholds[p.currency];
      return over === undefined || BigInt(p.amount) > over;
    },
    async describe(_ctx, p) {
      return `${p.direction} ${formatMoney(BigInt(p.amount), p.currency, "en")} ${p.direction === "credit" ? "to" : "from"} the wallet of user ${p.userId}`;
    },
    target: (p) => ({ type: "user", id: p.userId }),
    async execute(ctx, p, meta) {
      const sign = p.direction === "credit" ? 1n : -1n;
      const a = BigInt(p.amount) * sign;
      const r = await deps.ledger.post(delegate(ctx, "approvals.wallet.adjust"), {
        idempotencyKey: `staff-wallet:${meta.idempotencyKey}`,
        kind: p.direction === "credit" ? "staff_credit" : "staff_debit",
        memo: meta.reason.slice(0, 200),
        metadata: { userId: p.userId, approvalId: meta.approvalId, by: ctx.actor.kind },
        legs: [
          { account: deps.ledger.walletCode(p.userId, p.currency), amount: a },
          { account: deps.ledger.systemCode("custody", p.currency), amount: -a },
          { account: deps.ledger.systemCode("platform_cash", p.currency), amount: a },
          { account: deps.ledger.systemCode("revenue", p.currency), amount: -a },
        ],
      });
      if (!r.ok)
        throw conflict(
          "insufficient_funds",
          `the wallet holds less than ${formatMoney(BigInt(p.amount), p.currency, "en")}`,
        );
      return { transactionId: r.transactionId, replayed: r.replayed };
    },
  });
}
