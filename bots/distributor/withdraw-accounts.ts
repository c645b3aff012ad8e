import { payoutAccountProblem, type PayoutAccountKind } from "../../core/withdrawals/index.ts";
import { isDomainError } from "../../core/shared/index.ts";
import type { MessageKey } from "../i18n/index.ts";
import type { Reply } from "../turn.ts";
import type { Session } from "../shop/shop-bot.types.ts";
import type { Kit } from "../shop/shop-kit.ts";
import type { WithdrawPorts } from "./withdraw-ports.ts";
import type { createWithdrawViews } from "./withdraw-home.ts";

const HOLDER_MAX = 60;

/**
 * Adding a payout account takes two answers: the holder's name, then the number — last, so it goes
 * straight to the core (stored encrypted) and is never kept in the conversation. The message with the
 * number is deleted where the channel can (`forgetInput`: Telegram private chats) and never shown back:
 * replies name what is wrong, or show the masked form.
 */
export function createWithdrawAccounts(k: Kit, views: ReturnType<typeof createWithdrawViews>) {
  const { t, lines, btn: shopBtn, setState, clearFlow } = k;
  const cancelRow = (s: Session) => [[shopBtn(t(s, "common.cancel"), { op: "cancel" })]];

  async function holderPrompt(s: Session, kind: PayoutAccountKind, problem?: string): Promise<Reply[]> {
    await setState(s, (cur) => ({ done: cur.done, step: { kind: "withdraw", input: { at: "holder", kind } } }));
    return [
      {
        kind: "prompt",
        body: lines(problem, t(s, "wd.holder_prompt", { kind: views.kindName(s, { kind }) })),
        placeholder: t(s, "wd.holder_placeholder"),
        buttons: cancelRow(s),
      },
    ];
  }

  async function numberPrompt(
    s: Session,
    kind: PayoutAccountKind,
    holderName: string,
    problem?: string,
  ): Promise<Reply[]> {
    await setState(s, (cur) => ({
      done: cur.done,
      step: { kind: "withdraw", input: { at: "account", kind, holderName } },
    }));
    return [
      {
        kind: "prompt",
        body: lines(problem, t(s, kind === "bank_card" ? "wd.card_prompt" : "wd.alipay_prompt")),
        placeholder: t(s, kind === "bank_card" ? "wd.card_placeholder" : "wd.alipay_placeholder"),
        buttons: cancelRow(s),
      },
    ];
  }

  function onHolder(s: Session, kind: PayoutAccountKind, input: string): Promise<Reply[]> {
    const name = input.trim().replace(/\s+/g, " ");
    // A name has letters; digits here are most likely the number sent too early.
    if (name.length < 1 || name.length > HOLDER_MAX || !/\p{L}/u.test(name) || /\d/.test(name))
      return holderPrompt(s, kind, t(s, "wd.holder_invalid", { max: HOLDER_MAX }));
    return numberPrompt(s, kind, name);
  }

  async function onNumber(
    ports: WithdrawPorts,
    s: Session,
    kind: PayoutAccountKind,
    holderName: string,
    input: string,
  ): Promise<Reply[]> {
    const problem = payoutAccountProblem(kind, input);
    if (problem) return numberPrompt(s, kind, holderName, t(s, `wd.${problem}` satisfies MessageKey));
    const account = await ports.withdrawals.addPayoutAccount(s.ctx, {
      userId: s.user.id,
      kind,
      account: input,
      holderName,
    });
    await clearFlow(s);
    return [
      await views.home(
        ports,
        s,
        t(s, "wd.account_added", { kind: views.kindName(s, account), masked: account.masked }),
      ),
    ];
  }

  async function remove(ports: WithdrawPorts, s: Session, accountId: string): Promise<Reply[]> {
    const accounts = await ports.withdrawals.payoutAccounts(s.ctx, { userId: s.user.id });
    const account = accounts.find((a) => a.id === accountId);
    if (!account) return [await views.home(ports, s, t(s, "wd.account_gone"))];
    try {
      await ports.withdrawals.removePayoutAccount(s.ctx, { userId: s.user.id, payoutAccountId: accountId });
    } catch (e) {
      if (isDomainError(e) && e.code === "payout_account_in_use")
        return [await views.home(ports, s, t(s, "wd.account_in_use", { masked: account.masked }))];
      if (isDomainError(e) && e.code === "payout_account_not_found")
        return [await views.home(ports, s, t(s, "wd.account_gone"))];
      throw e;
    }
    return [await views.home(ports, s, t(s, "wd.account_removed", { masked: account.masked }))];
  }

  return { holderPrompt, onHolder, onNumber, remove };
}
