import type { Reply } from "../turn.ts";
import type { Session } from "../shop/shop-bot.types.ts";
import type { Kit } from "../shop/shop-kit.ts";
import { createWithdrawAccounts } from "./withdraw-accounts.ts";
import { createWithdrawCodec, type WithdrawAction } from "./withdraw-callback.ts";
import { createWithdrawViews } from "./withdraw-home.ts";
import { createWithdrawRequest } from "./withdraw-request.ts";
import type { WithdrawInputStep } from "./withdraw-state.ts";

/**
 * A distributor's withdrawals in their private chat with the shop bot (`/withdraw`): balance and terms,
 * payout accounts (added, shown masked, removed), requests (account → amount → confirm) and cancelling a
 * pending one. The core decides everything (KYC, limits, the hold); these screens ask and tell.
 */
export function createWithdraw(k: Kit) {
  const codec = createWithdrawCodec(k.deps.buttonKey);
  const views = createWithdrawViews(k, codec);
  const accounts = createWithdrawAccounts(k, views);
  const request = createWithdrawRequest(k, views);
  const { t, text, menuRow } = k;

  /** Withdrawals run where they can and for whom they are: a private chat, a distributor. */
  async function gate(s: Session): Promise<Reply[] | NonNullable<Kit["ports"]["withdraw"]>> {
    if (!s.isPrivate) return k.deepLinkReply(s, "withdraw");
    const ports = k.ports.withdraw;
    if (!ports) return [text(s, t(s, "wd.unavailable"), [menuRow(s)])];
    if (!(await ports.isDistributor(s.ctx, s.user.id))) {
      await k.clearFlow(s);
      return [text(s, t(s, "wd.not_distributor"), [menuRow(s)])];
    }
    return ports;
  }

  async function start(s: Session): Promise<Reply[]> {
    const ports = await gate(s);
    if (Array.isArray(ports)) return ports;
    await k.clearFlow(s);
    return [await views.home(ports, s)];
  }

  async function onButton(s: Session, a: WithdrawAction): Promise<Reply[]> {
    const ports = await gate(s);
    if (Array.isArray(ports)) return ports;
    switch (a.op) {
      case "home":
        await k.clearFlow(s);
        return [await views.home(ports, s)];
      case "add":
        return accounts.holderPrompt(s, a.kind);
      case "remove":
        return accounts.remove(ports, s, a.accountId);
      case "to":
        return request.amountPrompt(ports, s, a.accountId);
      case "confirm":
        return request.confirm(ports, s, a.nonce);
      case "cancel":
        return request.cancel(ports, s, a.withdrawalId);
    }
  }

  async function onText(s: Session, step: WithdrawInputStep, input: string): Promise<Reply[]> {
    const replies = await answerText(s, step, input);
    if (step.at !== "account") return replies;
    // The message carried an account number: deleted where the platform allows, whatever the answer.
    return replies.map((r) => (r.kind === "text" || r.kind === "prompt" ? { ...r, forgetInput: true } : r));
  }

  async function answerText(s: Session, step: WithdrawInputStep, input: string): Promise<Reply[]> {
    const ports = await gate(s);
    if (Array.isArray(ports)) return ports;
    switch (step.at) {
      case "holder":
        return accounts.onHolder(s, step.kind, input);
      case "account":
        return accounts.onNumber(ports, s, step.kind, step.holderName, input);
      case "amount":
        return request.onAmount(ports, s, step.accountId, input);
      case "confirm":
        return [text(s, t(s, "wd.use_buttons"), [views.homeRow(s)])];
    }
  }

  return { start, onButton, onText, decode: codec.decode };
}
