import type { Session } from "../shop/shop-bot.types.ts";
import type { Kit } from "../shop/shop-kit.ts";
import type { Reply } from "../turn.ts";
import { createAgentKit } from "./agent-kit.ts";
import { createHome } from "./home.ts";
import type { AgentStep } from "./ports.ts";
import { createPrices } from "./prices.ts";
import { createShops } from "./shops.ts";
import { createTeam } from "./team.ts";

export { isAgentStep, type AgentPorts, type AgentStep } from "./ports.ts";
export { agentNotice, AGENT_EVENT_TYPES } from "./notices.ts";

/** Whose rules a button is about, without the button's other fields (they would ride into new buttons). */
const ownerOf = (a: { scope: "SHOP" | "TEAM"; ownerId: string }) => ({ scope: a.scope, ownerId: a.ownerId });

export type AgentScreens = ReturnType<typeof createAgentScreens>;

/**
 * The distributor's screens in private chat (docs/distribution.md "In chat"), hooked into the shop bot:
 * `/agent`, their own signed buttons (`D…`) and their typed steps. Without the distribution module every
 * entry says it is not available.
 */
export function createAgentScreens(k: Kit) {
  const dist = k.deps.distribution;
  const unavailable = (s: Session): Reply[] => [k.text(s, k.t(s, "agent.unavailable"), [k.menuRow(s)])];
  if (!dist)
    return {
      owns: (data: string) => data.startsWith("D"),
      command: async (s: Session) => unavailable(s),
      onButton: async (s: Session) => unavailable(s),
      onText: async (s: Session) => (await k.clearFlow(s), unavailable(s)),
    };
  const a = createAgentKit(k, dist);
  const home = createHome(a);
  const shops = createShops(a);
  const prices = createPrices(a);
  const { team } = createTeam(a);

  async function onButton(s: Session, data: string): Promise<Reply[]> {
    const act = a.codec.decode(data);
    if (!act) return [k.invalidButton(s)];
    // Every screen but the application's is a distributor's: an old button of someone who is not one any more.
    if (act.op !== "home" && act.op !== "apply" && act.op !== "referral" && !(await a.dist.get(s.ctx, s.user.id)))
      return home.applyScreen(s, k.t(s, "common.invalid_button"));
    // A button leaves any half-typed step behind.
    await k.clearFlow(s);
    switch (act.op) {
      case "home":
        return home.dashboard(s);
      case "apply":
        return home.apply(s);
      case "referral":
        return home.referral(s);
      case "shops":
        return shops.list(s);
      case "shop_new":
        return shops.askName(s);
      case "shop":
        return shops.detail(s, act.shopId);
      case "prices":
        return prices.home(s);
      case "team":
        return team(s);
      case "rules":
        return prices.rules(s, ownerOf(act));
      case "pick_category":
        return prices.pickCategory(s, ownerOf(act));
      case "pick_product":
        return prices.pickProduct(s, ownerOf(act));
      case "target":
        return prices.modes(s, ownerOf(act), act.target);
      case "mode":
        return prices.chooseMode(s, ownerOf(act), act.target, act.mode);
    }
  }

  async function onText(s: Session, step: AgentStep, input: string): Promise<Reply[]> {
    switch (step.kind) {
      case "agent_shop_name":
        return shops.onName(s, input);
      case "agent_rule_product":
        return prices.onProduct(s, ownerOf(step), input);
      case "agent_rule_value":
        return prices.onValue(s, step, input);
    }
  }

  return {
    owns: a.codec.owns,
    /** `/agent`: the dashboard, or what a distributor is and the application. */
    command: (s: Session) => home.dashboard(s),
    onButton,
    onText,
  };
}
