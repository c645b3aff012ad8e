import { authorize, type AccessRules, type CoreContext } from "../shared/index.ts";
import { selfOrStaff } from "./distribution-access-helpers.ts";
import type { Distribution } from "./distribution.service.ts";

const manage = (ctx: CoreContext) => authorize(ctx, "distribution.manage");
/** The platform's own steps: the price stage, delivery bookkeeping, sweeps, netting. */
const platform = (ctx: CoreContext) => authorize(ctx, "orders.fulfil");

export const distributionAccess: AccessRules<Distribution> = {
  tiers: "public",
  tier: "public",
  updateTier: manage,
  setTierPrice: manage,
  add: manage,
  get: (ctx, userId) => selfOrStaff(ctx, String(userId)),
  list: manage,
  team: (ctx, l1) => selfOrStaff(ctx, String(l1)),
  recruit: (ctx, input) => selfOrStaff(ctx, String((input as { l1?: unknown } | null)?.l1 ?? "")),
  setTier: manage,
  pin: manage,
  apply: (ctx, userId) => authorize(ctx, "profile.write", { owner: String(userId) }),
  application: (ctx, userId) => authorize(ctx, "profile.read", { owner: String(userId) }),
  applications: manage,
  decide: manage,
  shop: "public",
  createShop: (ctx, input) => selfOrStaff(ctx, String((input as { ownerId?: unknown } | null)?.ownerId ?? "")),
  shops: (ctx, ownerId) => selfOrStaff(ctx, String(ownerId)),
  ruleOwner: "public",
  attribute: (ctx, input) => authorize(ctx, "profile.write", { owner: input.userId }),
  attributedShop: (ctx, userId) => authorize(ctx, "profile.read", { owner: String(userId) }),
  bindGroup: { inside: "a distributor who owns the shop and (as the channel told the bot) administers the group" },
  unbindGroup: { inside: "the bound shop's owner, or staff with distribution.manage" },
  setGroupSalesFeed: { inside: "the bound shop's owner, an admin of the group, or staff with distribution.manage" },
  groupShopOf: "public",
  groupBinding: "public",
  shopWindow: "public",
  shopProducts: "public",
  shopProduct: "public",
  salesFeedTargets: platform,
  setRule: { inside: "the rule's owner (the shop's owner, or the L1 for a team price) or staff: see setRule" },
  rules: { inside: "as setRule" },
  recordDelivery: platform,
  recordRefund: platform,
  sweepDowngrades: platform,
  chainQuote: (ctx, input) => authorize(ctx, "orders.place", { owner: input.buyerUserId }),
  prices: (ctx, userId) => selfOrStaff(ctx, String(userId)),
  referralCode: (ctx, userId) => authorize(ctx, "profile.read", { owner: String(userId) }),
  netReceivable: platform,
  dashboard: (ctx, userId) => selfOrStaff(ctx, String(userId)),
  teamVolumes: (ctx, l1) => selfOrStaff(ctx, String(l1)),
};
