import type { DistributionPriceRule, Tier } from "../../core/distribution/index.ts";
import { delegate } from "../../core/shared/index.ts";
import type { Session } from "../shop/shop-bot.types.ts";
import type { Kit } from "../shop/shop-kit.ts";
import type { CallbackButton } from "../turn.ts";
import { createAgentCodec, type AgentAction, type RuleTarget } from "./callback-data.ts";
import type { AgentPorts } from "./ports.ts";

export type AgentKit = ReturnType<typeof createAgentKit>;

/** What the distributor screens share: the shop bot's kit, the core port, their own signed buttons, names. */
export function createAgentKit(k: Kit, dist: AgentPorts) {
  const codec = createAgentCodec(k.deps.buttonKey);
  const { t, money, currency } = k;
  const abtn = (label: string, action: AgentAction): CallbackButton => ({
    kind: "callback",
    label,
    data: codec.encode(action),
  });
  const backRow = (s: Session): CallbackButton[] => [abtn(t(s, "agent.btn_back"), { op: "home" }), ...k.menuRow(s)];
  const tierName = (s: Session, tier: Pick<Tier, "nameZh" | "nameEn">) =>
    s.locale === "zh-CN" ? tier.nameZh : tier.nameEn;
  const tierNameOf = async (s: Session, id: string) => {
    try {
      return tierName(s, await dist.tier(s.ctx, id));
    } catch {
      return id;
    }
  };
  /** Another user's display name (the chat user's L1 or team member), read by the platform on their behalf. */
  const nameOf = async (s: Session, userId: string) =>
    ((await k.identity.findUser(delegate(s.ctx, "agent-screens"), userId))?.displayName ?? "?").slice(0, 40);

  const targetOf = (r: RuleTarget): string => (r.kind === "all" ? "all" : `${r.kind}:${r.id}`);
  const parseTarget = (target: string): RuleTarget | null => {
    if (target === "all") return { kind: "all" };
    const m = /^(category|product):([0-9a-f-]{36})$/i.exec(target);
    return m ? { kind: m[1] as "category" | "product", id: m[2]!.toLowerCase() } : null;
  };
  async function targetText(s: Session, target: string): Promise<string> {
    const r = parseTarget(target);
    if (!r || r.kind === "all") return t(s, "agent.target_all");
    if (r.kind === "category") {
      const c = await k.ports.catalog.getCategory(s.ctx, r.id);
      return t(s, "agent.target_category", { name: c ? k.pname(s, c) : t(s, "agent.target_unknown") });
    }
    const p = await k.ports.catalog.getProduct(s.ctx, r.id);
    return t(s, "agent.target_product", { name: p ? k.pname(s, p) : t(s, "agent.target_unknown") });
  }
  function ruleText(s: Session, r: Pick<DistributionPriceRule, "mode" | "value">): string {
    const v = BigInt(r.value);
    switch (r.mode) {
      case "INHERIT":
        return t(s, "agent.mode_inherit");
      case "MARKUP_PCT":
        return t(s, "agent.mode_markup", { pct: (Number(v) / 100).toString() });
      case "FIXED_OVER_COST":
        return t(s, "agent.mode_over", { amount: money(s, v, currency) });
      case "FIXED_PRICE":
        return t(s, "agent.mode_fixed", { amount: money(s, v, currency) });
    }
  }
  return { k, dist, codec, abtn, backRow, tierName, tierNameOf, nameOf, targetOf, parseTarget, targetText, ruleText };
}
