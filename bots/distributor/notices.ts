import type { DomainEvent, Locale } from "../../core/shared/index.ts";
import { systemContext } from "../../core/shared/index.ts";
import type { Kit } from "../shop/shop-kit.ts";
import type { OutboundMessage, Reply } from "../turn.ts";
import { plain } from "../turn.ts";

/** The distributor events the shop notifier tells in the distributor's private chat. */
export const AGENT_EVENT_TYPES = ["distributor.application_decided", "distributor.tier_changed"] as const;

type Tell = (build: (loc: { locale: Locale }) => Promise<Reply[]>) => Promise<OutboundMessage[]>;

/**
 * An application decided (approved: the tier, and the team joined; rejected: staff's note) or a tier change
 * (upgrade at the delivery that crossed the threshold, downgrade by the sweep, or set by staff) → a message
 * for the user's private chats. `tell` sends to them (bots/shop/events.ts).
 */
export async function agentNotice(
  k: Kit,
  event: DomainEvent,
  p: Record<string, unknown>,
  tell: Tell,
): Promise<OutboundMessage[]> {
  const ctx = systemContext("shop-notifier:agent");
  const dist = k.deps.distribution;
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  const tierName = async (loc: { locale: Locale }, id: string | null) => {
    if (!id || !dist) return id ?? "?";
    try {
      const tier = await dist.tier(ctx, id);
      return loc.locale === "zh-CN" ? tier.nameZh : tier.nameEn;
    } catch {
      return id;
    }
  };
  const say = (body: string): Reply[] => [{ kind: "text", body: [plain(body)] }];
  if (event.type === "distributor.application_decided") {
    const note = str(p.note);
    const noteText = (loc: { locale: Locale }) => (note ? (loc.locale === "zh-CN" ? `（${note}）` : ` (${note})`) : "");
    if (p.status === "REJECTED") return tell(async (loc) => say(k.t(loc, "agent.rejected", { note: noteText(loc) })));
    if (p.status !== "APPROVED") return [];
    const parentId = str(p.parentId);
    const lead = parentId ? ((await k.identity.findUser(ctx, parentId))?.displayName ?? "?").slice(0, 40) : null;
    return tell(async (loc) =>
      say(
        [
          k.t(loc, "agent.approved", { tier: await tierName(loc, str(p.tierId)) }),
          lead ? k.t(loc, "agent.approved_team", { name: lead }) : null,
        ]
          .filter(Boolean)
          .join("\n"),
      ),
    );
  }
  if (event.type === "distributor.tier_changed") {
    const key =
      p.reason === "upgrade" ? "agent.upgraded" : p.reason === "downgrade" ? "agent.downgraded" : "agent.tier_set";
    return tell(async (loc) =>
      say(k.t(loc, key, { tier: await tierName(loc, str(p.toTier)), from: await tierName(loc, str(p.fromTier)) })),
    );
  }
  return [];
}
