import type { Session } from "../shop/shop-bot.types.ts";
import type { ButtonRows, Reply } from "../turn.ts";
import type { AgentKit } from "./agent-kit.ts";

const MAX_MEMBERS_SHOWN = 30;

/** My team: the L2s with their 30-day sales, the team price (when the tier allows a team) and the recruit link. */
export function createTeam(a: AgentKit) {
  const { k, dist, abtn, backRow, tierName, tierNameOf, nameOf } = a;
  const { t, text, lines, money, currency } = k;

  async function team(s: Session): Promise<Reply[]> {
    const me = await dist.get(s.ctx, s.user.id);
    if (!me) return [k.invalidButton(s)];
    if (me.parentId) return [text(s, t(s, "agent.team_is_l2", { name: await nameOf(s, me.parentId) }), [backRow(s)])];
    const tier = await dist.tier(s.ctx, me.tierId);
    const members = await dist.teamVolumes(s.ctx, s.user.id);
    const shown = await Promise.all(
      members.slice(0, MAX_MEMBERS_SHOWN).map(async (m) =>
        t(s, "agent.team_line", {
          name: await nameOf(s, m.userId),
          tier: await tierNameOf(s, m.tierId),
          volume: money(s, m.volume, currency),
        }),
      ),
    );
    const canLead = tier.maxLevels >= 1;
    const body = lines(
      { text: t(s, "agent.team_title"), style: "bold" },
      ...(shown.length ? shown : [t(s, "agent.team_empty")]),
      canLead ? t(s, "agent.team_recruit") : t(s, "agent.team_no_levels", { tier: tierName(s, tier) }),
    );
    const rows: ButtonRows = [];
    if (canLead)
      rows.push([
        abtn(t(s, "agent.btn_team_price"), { op: "rules", scope: "TEAM", ownerId: s.user.id }),
        abtn(t(s, "agent.btn_referral"), { op: "referral" }),
      ]);
    rows.push(backRow(s));
    return [text(s, body, rows)];
  }

  return { team };
}
