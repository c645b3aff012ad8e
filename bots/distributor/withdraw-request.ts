import { assertExhaustive, isDomainError } from "../../core/shared/index.ts";
import type { PreviewWithdrawalResult } from "../../core/withdrawals/index.ts";
import type { Reply } from "../turn.ts";
import type { Session } from "../shop/shop-bot.types.ts";
import type { Kit } from "../shop/shop-kit.ts";
import { parseAmount } from "./withdraw-amount.ts";
import type { createWithdrawViews } from "./withdraw-home.ts";
import type { WithdrawPorts } from "./withdraw-ports.ts";
import type { WithdrawMemory } from "./withdraw-state.ts";

/** A confirmation older than this is shown again rather than acted on (balance and limits may have moved). */
const CONFIRM_TTL_MS = 10 * 60_000;
const DONE_KEPT = 5;

type Refusal = Exclude<PreviewWithdrawalResult, { ok: true }>;

/**
 * Choose account → amount (typed) → confirmation (amount, fee, what arrives) → Confirm. The confirm button
 * carries a nonce that is the request's idempotency key: double taps, a replayed press or a second device
 * make one request and one hold (core/withdrawals answers the same key with the same withdrawal).
 */
export function createWithdrawRequest(k: Kit, views: ReturnType<typeof createWithdrawViews>) {
  const { t, lines, money, currency, btn: shopBtn, setState, getState, clearFlow, clock, nonce } = k;
  const cancelRow = (s: Session) => [shopBtn(t(s, "common.cancel"), { op: "cancel" })];

  async function accountOf(ports: WithdrawPorts, s: Session, accountId: string) {
    const accounts = await ports.withdrawals.payoutAccounts(s.ctx, { userId: s.user.id });
    return accounts.find((a) => a.id === accountId) ?? null;
  }

  function refusalText(s: Session, r: Refusal, available: bigint): string {
    switch (r.code) {
      case "kyc_required":
        return t(s, "wd.kyc_required");
      case "not_allowed":
        return t(s, "wd.not_allowed", { reason: r.message });
      case "below_minimum":
        return t(s, "wd.below_min", { min: money(s, r.minAmount, currency) });
      case "daily_limit": {
        const left = r.dailyLimit > r.usedToday ? r.dailyLimit - r.usedToday : 0n;
        return t(s, "wd.daily_limit", { left: money(s, left, currency), limit: money(s, r.dailyLimit, currency) });
      }
      case "insufficient_funds":
        return t(s, "wd.over_balance", { available: money(s, available, currency) });
      default:
        return assertExhaustive(r, "withdrawal refusal");
    }
  }

  async function amountPrompt(ports: WithdrawPorts, s: Session, accountId: string, problem?: string) {
    const account = await accountOf(ports, s, accountId);
    if (!account) {
      await clearFlow(s);
      return [await views.home(ports, s, t(s, "wd.account_gone"))];
    }
    const [terms, available] = await Promise.all([
      ports.withdrawals.terms(s.ctx, { userId: s.user.id, currency }),
      k.ports.wallet.balance(s.ctx, { userId: s.user.id, currency }),
    ]);
    if (!terms.kycVerified) {
      await clearFlow(s);
      return [await views.home(ports, s, t(s, "wd.kyc_required"))];
    }
    await setState(s, (cur) => ({ done: cur.done, step: { kind: "withdraw", input: { at: "amount", accountId } } }));
    const prompt: Reply = {
      kind: "prompt",
      body: lines(
        problem,
        t(s, "wd.amount_prompt", {
          masked: account.masked,
          available: money(s, available, currency),
          min: money(s, terms.minAmount, currency),
        }),
      ),
      placeholder: t(s, "wd.amount_placeholder"),
      buttons: [cancelRow(s)],
    };
    return [prompt];
  }

  async function onAmount(ports: WithdrawPorts, s: Session, accountId: string, input: string): Promise<Reply[]> {
    const parsed = parseAmount(input);
    if (!parsed.ok) return amountPrompt(ports, s, accountId, t(s, `wd.amount_${parsed.problem}`));
    const account = await accountOf(ports, s, accountId);
    if (!account) {
      await clearFlow(s);
      return [await views.home(ports, s, t(s, "wd.account_gone"))];
    }
    const available = await k.ports.wallet.balance(s.ctx, { userId: s.user.id, currency });
    const p = await ports.withdrawals.preview(s.ctx, {
      userId: s.user.id,
      amount: parsed.amount,
      currency,
      available,
    });
    if (!p.ok) {
      if (p.code === "kyc_required" || p.code === "not_allowed") {
        await clearFlow(s);
        return [await views.home(ports, s, refusalText(s, p, available))];
      }
      return amountPrompt(ports, s, accountId, refusalText(s, p, available));
    }
    const n = nonce();
    await setState(s, (cur) => ({
      done: cur.done,
      step: { kind: "withdraw", input: { at: "confirm" } },
      withdraw: {
        ...(cur.withdraw?.done ? { done: cur.withdraw.done } : {}),
        pending: { nonce: n, accountId, amount: p.amount.toString(), at: clock.now().toISOString() },
      },
    }));
    return [
      k.text(
        s,
        t(s, "wd.confirm", {
          amount: money(s, p.amount, currency),
          masked: account.masked,
          fee: money(s, p.fee, currency),
          net: money(s, p.net, currency),
        }),
        [[views.btn(t(s, "wd.btn_confirm"), { op: "confirm", nonce: n }), ...cancelRow(s)]],
      ),
    ];
  }

  async function already(ports: WithdrawPorts, s: Session, withdrawalId: string): Promise<Reply[]> {
    const w = await ports.withdrawals.get(s.ctx, { withdrawalId });
    return [
      views.notice(
        s,
        t(s, "wd.already_requested", { amount: money(s, w.amount, w.currency), status: t(s, `wd.status_${w.status}`) }),
      ),
    ];
  }

  async function confirm(ports: WithdrawPorts, s: Session, n: string): Promise<Reply[]> {
    const mem: WithdrawMemory = (await getState(s)).withdraw ?? {};
    const done = mem.done?.find((d) => d.nonce === n);
    if (done) return already(ports, s, done.withdrawalId);
    const pending = mem.pending;
    const fresh = pending && clock.now().getTime() - new Date(pending.at).getTime() < CONFIRM_TTL_MS;
    if (!pending || pending.nonce !== n || !fresh) return [await views.home(ports, s, t(s, "wd.stale"))];
    const account = await accountOf(ports, s, pending.accountId);
    if (!account) {
      await clearFlow(s);
      return [await views.home(ports, s, t(s, "wd.account_gone"))];
    }
    const amount = BigInt(pending.amount);
    const r = await ports.request(s.ctx, {
      userId: s.user.id,
      payoutAccountId: pending.accountId,
      amount,
      currency,
      idempotencyKey: `chat:${n}`,
    });
    if (!r.ok) {
      await clearFlow(s);
      const available = await k.ports.wallet.balance(s.ctx, { userId: s.user.id, currency });
      return [await views.home(ports, s, refusalText(s, r, available))];
    }
    const w = r.withdrawal;
    await setState(s, (cur) => ({
      done: cur.done,
      withdraw: { done: [...(cur.withdraw?.done ?? []).slice(-(DONE_KEPT - 1)), { nonce: n, withdrawalId: w.id }] },
    }));
    if (r.replayed) return already(ports, s, w.id);
    return [
      views.notice(
        s,
        t(s, "wd.requested", {
          amount: money(s, w.amount, w.currency),
          masked: account.masked,
          net: money(s, w.amount - w.fee, w.currency),
        }),
      ),
    ];
  }

  async function cancel(ports: WithdrawPorts, s: Session, withdrawalId: string): Promise<Reply[]> {
    try {
      const r = await ports.cancel(s.ctx, { userId: s.user.id, withdrawalId });
      const amount = money(s, r.withdrawal.amount, r.withdrawal.currency);
      const msg = r.changed
        ? t(s, "wd.cancelled", { amount })
        : t(s, "wd.not_pending", { amount, status: t(s, `wd.status_${r.withdrawal.status}`) });
      return [await views.home(ports, s, msg)];
    } catch (e) {
      if (isDomainError(e) && e.code === "withdrawal_not_found") return [await views.home(ports, s, t(s, "wd.stale"))];
      throw e;
    }
  }

  return { amountPrompt, onAmount, confirm, cancel };
}
