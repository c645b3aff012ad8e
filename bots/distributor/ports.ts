import type { Distribution } from "../../core/distribution/index.ts";

/** What the distributor screens need from core/distribution (each call checked against the chat's user there). */
export type AgentPorts = Pick<
  Distribution,
  | "get"
  | "apply"
  | "application"
  | "dashboard"
  | "teamVolumes"
  | "tier"
  | "shops"
  | "shop"
  | "createShop"
  | "rules"
  | "setRule"
  | "referralCode"
>;

/** The steps a distributor types an answer at (kept in the shop bot's conversation state). */
export type AgentStep =
  | { kind: "agent_shop_name" }
  | { kind: "agent_rule_product"; scope: "SHOP" | "TEAM"; ownerId: string }
  | {
      kind: "agent_rule_value";
      scope: "SHOP" | "TEAM";
      ownerId: string;
      target: string;
      mode: "MARKUP_PCT" | "FIXED_OVER_COST" | "FIXED_PRICE";
    };

export const isAgentStep = (step: { kind: string } | undefined): step is AgentStep =>
  step?.kind.startsWith("agent_") ?? false;
