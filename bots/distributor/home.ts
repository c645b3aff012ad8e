import { startOfDay } from "../../core/reports/index.ts";
import { delegate } from "../../core/shared/index.ts";
import type { Session } from "../shop/shop-bot.types.ts";
import type { ButtonRows, Reply } from "../turn.ts";
import type { AgentKit } from "./agent-kit.ts";

/**
 * `/agent`: a non-distributor sees what a distributor is and Apply (or where its application stands); a
 * distributor sees its dashboard — tier and progress, today's and the week's sales and commission, its wallet.
 */
export function createHome(a: AgentKit) {
  const { k, dist, abtn, backRow, tierName, nameOf } = a;
  const { t, text, lines, money, currency } = k;

  const noteOf = (s: Session, note: string | null) =>
    note ? (s.locale === "zh-CN" ? `（${note}）` : ` (${note})`) : "";

  /** Who brought the user, when they would join that L1's team on approval. */
  async function referrerLine(s: Session): Promise<string | null> {
    const by = s.user.referredBy;
    if (!by) return null;
    // Whether the referrer could lead a team, read by the platform on the user's behalf (it is not theirs).
    const lead = await dist.get(delegate(s.ctx, "agent-screens"), by);
    if (!lead || lead.parentId || (await dist.tier(s.ctx, lead.tierId)).maxLevels < 1) return null;
    return t(s, "agent.joins_team", { name: await nameOf(s, by) });
  }

  async function applyScreen(s: Session, intro?: string): Promise<Reply[]> {
    const app = await dist.application(s.ctx, s.user.id);
    const rows: ButtonRows = [];
    let status: string | null = null;
    if (app?.status === "PENDING") status = t(s, "agent.pending");
    else if (app?.status === "REJECTED") {
      status = t(s, "agent.rejected_before", { note: noteOf(s, app.note) });
      rows.push([abtn(t(s, "agent.apply_again"), { op: "apply" })]);
    } else rows.push([abtn(t(s, "agent.apply"), { op: "apply" })]);
    rows.push(k.menuRow(s));
    const body = lines(intro, app?.status === "PENDING" ? null : t(s, "agent.intro"), status, await referrerLine(s));
    return [text(s, body, rows)];
  }

  async function apply(s: Session): Promise<Reply[]> {
    if (await dist.get(s.ctx, s.user.id)) return dashboard(s);
    const before = await dist.application(s.ctx, s.user.id);
    if (before?.status === "PENDING") return applyScreen(s);
    await dist.apply(s.ctx, s.user.id);
    return [text(s, lines(t(s, "agent.applied"), await referrerLine(s)), [k.menuRow(s)])];
  }

  async function dashboard(s: Session): Promise<Reply[]> {
    if (!(await dist.get(s.ctx, s.user.id))) return applyScreen(s);
    const now = k.clock.now();
    const d = await dist.dashboard(s.ctx, s.user.id, {
      today: startOfDay(now, s.timeZone),
      week: startOfDay(now, s.timeZone, 6),
    });
    const m = (v: bigint) => money(s, v, currency);
    const tier = tierName(s, d.tier) + (d.distributor.tierPinned ? ` ${t(s, "agent.tier_pinned")}` : "");
    const progress = !d.next
      ? t(s, "agent.top_tier", { volume: m(d.volume) })
      : d.next.remaining > 0n
        ? t(s, "agent.progress", { amount: m(d.next.remaining), tier: tierName(s, d.next.tier), volume: m(d.volume) })
        : t(s, "agent.progress_reached", { tier: tierName(s, d.next.tier), volume: m(d.volume) });
    const fig = (key: "agent.today" | "agent.week", f: typeof d.today) =>
      t(s, key, { orders: f.orders, sales: m(f.sales), commission: m(f.commission) });
    const balance = await k.ports.wallet.balance(s.ctx, { userId: s.user.id, currency });
    const body = lines(
      { text: t(s, "agent.dashboard_title"), style: "bold" },
      t(s, "agent.tier_line", { tier }),
      d.distributor.tierPinned ? null : progress,
      fig("agent.today", d.today),
      fig("agent.week", d.week),
      t(s, "agent.balance", { balance: m(balance) }),
      d.distributor.parentId ? t(s, "agent.in_team", { name: await nameOf(s, d.distributor.parentId) }) : null,
    );
    return [
      text(s, body, [
        [abtn(t(s, "agent.btn_shops"), { op: "shops" }), abtn(t(s, "agent.btn_prices"), { op: "prices" })],
        [abtn(t(s, "agent.btn_team"), { op: "team" }), abtn(t(s, "agent.btn_referral"), { op: "referral" })],
        k.menuRow(s),
      ]),
    ];
  }

  /** The user's referral link (`/start ref_<code>`): also the recruit link. */
  async function referral(s: Session): Promise<Reply[]> {
    const payload = `ref_${await dist.referralCode(s.ctx, s.user.id)}`;
    const url = s.caps.deepLink(payload);
    const body = lines(
      t(s, "agent.referral_title"),
      url ?? null,
      t(s, "agent.referral_start", { payload }),
      t(s, "agent.referral_text"),
    );
    return [text(s, body, [backRow(s)])];
  }

  return { dashboard, apply, applyScreen, referral };
}
