import type { PayoutAccount, Withdrawal } from "../../core/withdrawals/index.ts";
import type { ButtonRows, Reply, TextReply } from "../turn.ts";
import type { Session } from "../shop/shop-bot.types.ts";
import type { Kit } from "../shop/shop-kit.ts";
import type { WithdrawCodec } from "./withdraw-callback.ts";
import type { WithdrawPorts } from "./withdraw-ports.ts";

const RECENT = 5;

/** Shared by the withdrawal screens: the `/withdraw` overview and the small views around it. */
export function createWithdrawViews(k: Kit, codec: WithdrawCodec) {
  const { t, text, lines, money, menuRow, currency, i18n } = k;

  const btn = (label: string, action: Parameters<WithdrawCodec["encode"]>[0]) => ({
    kind: "callback" as const,
    label,
    data: codec.encode(action),
  });
  const homeRow = (s: Session) => [btn(t(s, "wd.btn_home"), { op: "home" }), ...menuRow(s)];
  const kindName = (s: Session, a: Pick<PayoutAccount, "kind">) =>
    t(s, a.kind === "bank_card" ? "wd.kind_bank_card" : "wd.kind_alipay");
  const accountLine = (s: Session, a: PayoutAccount) =>
    t(s, "wd.account_line", { kind: kindName(s, a), masked: a.masked, name: a.holderName });
  const feeText = (s: Session, bps: number | undefined) =>
    bps === undefined ? t(s, "wd.fee_at_confirm") : `${(bps / 100).toString()}%`;

  function statusLine(s: Session, w: Withdrawal, accounts: Map<string, PayoutAccount>): string {
    return t(s, "wd.line", {
      date: i18n.date(s.locale, w.createdAt, s.timeZone),
      amount: money(s, w.amount, w.currency),
      masked: accounts.get(w.payoutAccountId)?.masked ?? "—",
      status: t(s, `wd.status_${w.status}`),
    });
  }

  /** The `/withdraw` overview: balance, terms, accounts, recent requests, and what can be done next. */
  async function home(ports: WithdrawPorts, s: Session, intro?: string): Promise<TextReply> {
    const me = { userId: s.user.id };
    const [terms, accounts, recent, available] = await Promise.all([
      ports.withdrawals.terms(s.ctx, { ...me, currency }),
      ports.withdrawals.payoutAccounts(s.ctx, me),
      ports.withdrawals.list(s.ctx, { ...me, limit: RECENT }),
      k.ports.wallet.balance(s.ctx, { ...me, currency }),
    ]);
    const byId = new Map(accounts.map((a) => [a.id, a]));
    const left = terms.dailyLimit > terms.usedToday ? terms.dailyLimit - terms.usedToday : 0n;
    const rows: ButtonRows = [];
    const canRequest = terms.kycVerified && terms.allowed;
    for (const a of accounts) {
      const row = [];
      if (canRequest) row.push(btn(t(s, "wd.btn_to", { masked: a.masked }), { op: "to", accountId: a.id }));
      row.push(btn(t(s, "wd.btn_remove", { masked: a.masked }), { op: "remove", accountId: a.id }));
      rows.push(row);
    }
    rows.push([
      btn(t(s, "wd.btn_add_card"), { op: "add", kind: "bank_card" }),
      btn(t(s, "wd.btn_add_alipay"), { op: "add", kind: "alipay" }),
    ]);
    for (const w of recent.filter((x) => x.status === "PENDING"))
      rows.push([
        btn(t(s, "wd.btn_cancel", { amount: money(s, w.amount, w.currency) }), { op: "cancel", withdrawalId: w.id }),
      ]);
    rows.push(menuRow(s));
    return text(
      s,
      lines(
        intro,
        t(s, "wd.title"),
        t(s, "wd.available", { amount: money(s, available, currency) }),
        terms.allowed
          ? t(s, "wd.terms", {
              min: money(s, terms.minAmount, currency),
              fee: feeText(s, terms.feeBps),
              left: money(s, left, currency),
              limit: money(s, terms.dailyLimit, currency),
            })
          : t(s, "wd.not_allowed", { reason: terms.refusal ?? "" }),
        terms.kycVerified ? null : t(s, "wd.kyc_required"),
        `\n${accounts.length ? t(s, "wd.accounts") : t(s, "wd.no_accounts")}`,
        ...accounts.map((a) => `• ${accountLine(s, a)}`),
        recent.length ? `\n${t(s, "wd.recent")}` : null,
        ...recent.map((w) => `• ${statusLine(s, w, byId)}`),
        canRequest && accounts.length ? `\n${t(s, "wd.pick_account")}` : null,
      ),
      rows,
    );
  }

  function notice(s: Session, message: string): Reply {
    return text(s, message, [homeRow(s)]);
  }

  return { btn, homeRow, kindName, home, notice };
}
