import { delegate, withAccess, type CoreContext } from "../shared/index.ts";
import { selfOrStaff } from "./distribution-access-helpers.ts";
import { distributionAccess } from "./distribution.access.ts";
import {
  createDistribution as createUnchecked,
  type Distribution,
  type DistributionDeps,
} from "./distribution.service.ts";
import type { SetRuleInput } from "./distribution.schemas.ts";

export * from "./distribution.types.ts";
export * from "./price-chain.ts";
export * from "./group-shops.types.ts";
export { GROUP_BINDING_TTL_MS } from "./group-shops.ops.ts";
export type { Distribution, DistributionDeps, DistributionLedgerPort } from "./distribution.service.ts";
export type { SetRuleInput, UpdateTierInput } from "./distribution.schemas.ts";
export type { TierChange } from "./tier-progress.ts";
export type { DistributorDashboard, SalesFigures, TeamMember } from "./dashboard.ts";
export { TIER_ROW, DISTRIBUTOR_ROW, SHOP_ROW, RULE_ROW, APPLICATION_ROW } from "./distribution.sql.ts";

/** The distribution module, every call checked against its actor (distribution.access.ts). */
export function createDistribution(deps: DistributionDeps): Distribution {
  const module = createUnchecked(deps);
  const guarded = withAccess("distribution", module, distributionAccess);
  // Rules are the owner's: the shop's owner (SHOP) or the L1 itself (TEAM), known once the shop is read.
  const ruleOwner = async (ctx: CoreContext, scope: "SHOP" | "TEAM", ownerId: string) =>
    module.ruleOwner(ctx, { scope, ownerId, target: "all", mode: "INHERIT" });
  return {
    ...guarded,
    async setRule(ctx: CoreContext, input: SetRuleInput) {
      selfOrStaff(ctx, await module.ruleOwner(ctx, input));
      return module.setRule(delegate(ctx, "distribution.setRule"), input);
    },
    async rules(ctx: CoreContext, scope: "SHOP" | "TEAM", ownerId: string) {
      selfOrStaff(ctx, await ruleOwner(ctx, scope, ownerId));
      return module.rules(delegate(ctx, "distribution.rules"), scope, ownerId);
    },
  };
}
