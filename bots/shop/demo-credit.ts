import type { Ledger } from "../../core/ledger/index.ts";
import { systemCode, walletCode } from "../../core/ledger/index.ts";
import { delegate, type CoreContext, type Currency } from "../../core/shared/index.ts";
import type { UserRecord } from "../../core/identity/index.ts";
import type { InboundTurn, TurnChannel } from "../turn.ts";

/**
 * For the embedded demo only: credits a new user's wallet once (as a top-up: `custody −X, wallet +X`),
 * so a newcomer in the local web chat can buy a demo code at once. Idempotent per user.
 * Wire as `createShopBot({ onUserCreated: demoWalletCredit(...) })` when the demo seed is on.
 */
export function demoWalletCredit(opts: {
  ledger: Pick<Ledger, "post">;
  amount: bigint;
  currency?: Currency;
  /** Channels whose new users get the credit (default: web only). */
  channels?: TurnChannel[];
}) {
  const currency = opts.currency ?? "CNY";
  const channels = new Set<TurnChannel>(opts.channels ?? ["web"]);
  return async (ctx: CoreContext, user: UserRecord, turn: InboundTurn): Promise<void> => {
    if (!channels.has(turn.channel) || opts.amount <= 0n) return;
    // The platform grants it (the operator turned the demo on), not the buyer.
    const r = await opts.ledger.post(delegate(ctx, "demo-credit"), {
      idempotencyKey: `demo-credit:${user.id}`,
      kind: "top_up",
      memo: "demo wallet credit",
      metadata: { userId: user.id, demo: true },
      legs: [
        { account: systemCode("custody", currency), amount: -opts.amount },
        { account: walletCode(user.id, currency), amount: opts.amount },
      ],
    });
    if (!r.ok) throw new Error(`demo credit failed: ${r.code}`);
  };
}
