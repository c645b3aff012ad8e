import type { ChainLevel, PriceChain } from "../shared/index.ts";

/*
 * The price chain (docs/distribution.md), pure: platform → L1 (its tier price) → L2 (its L1's team price) →
 * consumer (the shop's sale price). Every price is per unit, in minor units; percentages in basis points.
 */

export const RULE_MODES = ["INHERIT", "MARKUP_PCT", "FIXED_OVER_COST", "FIXED_PRICE"] as const;
export type RuleMode = (typeof RULE_MODES)[number];

/** A sale-price (or team-price) rule: `value` is bps for MARKUP_PCT, minor units otherwise, unused for INHERIT. */
export interface PriceRule {
  mode: RuleMode;
  value: bigint;
}

/** A tier's price for a product: the explicit tier price when there is one, else retail less the tier's discount. */
export function tierCost(retail: bigint, discountBps: number, explicit: bigint | null): bigint {
  if (explicit !== null) return explicit;
  return retail - (retail * BigInt(discountBps)) / 10_000n;
}

/** What a rule asks for over `cost` (no floor, no cap): INHERIT (or no rule) is the platform's retail. */
export function rulePrice(rule: PriceRule | null, cost: bigint, retail: bigint): bigint {
  if (!rule) return retail;
  switch (rule.mode) {
    case "INHERIT":
      return retail;
    case "MARKUP_PCT":
      return cost + (cost * rule.value) / 10_000n;
    case "FIXED_OVER_COST":
      return cost + rule.value;
    case "FIXED_PRICE":
      return rule.value;
  }
}

/** The platform's maximum sale price over retail (`capBps` over it), or none. */
export function priceCap(retail: bigint, capBps: number | null): bigint | null {
  return capBps === null ? null : retail + (retail * BigInt(capBps)) / 10_000n;
}

/**
 * The price a rule sells at, evaluated now: capped by the platform's maximum, and never below `cost`
 * (the floor wins over the cap: a cost rise never sells under cost).
 */
export function effectivePrice(rule: PriceRule | null, cost: bigint, retail: bigint, capBps: number | null): bigint {
  const asked = rulePrice(rule, cost, retail);
  const cap = priceCap(retail, capBps);
  const capped = cap !== null && asked > cap ? cap : asked;
  return capped < cost ? cost : capped;
}

export type RuleCheck =
  | { ok: true; price: bigint }
  | { ok: false; code: "price_below_floor"; floor: bigint; price: bigint }
  | { ok: false; code: "price_above_cap"; cap: bigint; price: bigint };

/** Whether a rule may be set for a product at this cost: a rule under the floor (the cost) or over the cap is refused. */
export function checkRule(rule: PriceRule, cost: bigint, retail: bigint, capBps: number | null): RuleCheck {
  const price = rulePrice(rule, cost, retail);
  if (price < cost) return { ok: false, code: "price_below_floor", floor: cost, price };
  const cap = priceCap(retail, capBps);
  if (cap !== null && price > cap && cap >= cost) return { ok: false, code: "price_above_cap", cap, price };
  return { ok: true, price };
}

/** A distributor on the chain with what its price depends on. */
export interface ChainParty {
  userId: string;
  /** Its own tier price for the product (`tierCost`). */
  tierCost: bigint;
  /** Its L1, for an L2. */
  parent: { userId: string; tierCost: bigint; teamRule: PriceRule | null } | null;
}

/**
 * The chain for one unit: `seller` is the distributor the buyer buys from — a shop's owner (with the shop's
 * `saleRule`), or the buyer itself buying at its own cost (`saleRule` undefined: through /v1 or in chat).
 * An L2's cost is its L1's team price (its team rule, or by default the L2's own tier price), never below
 * the L1's cost. Returns the levels, L1 first; the last level's `unitSale` is what the buyer pays.
 */
export function chainLevels(
  seller: ChainParty,
  retail: bigint,
  saleRule: PriceRule | null | undefined,
  capBps: number | null,
): ChainLevel[] {
  const levels: ChainLevel[] = [];
  let sellerCost = seller.tierCost;
  if (seller.parent) {
    const l1Cost = seller.parent.tierCost;
    const team = seller.parent.teamRule
      ? effectivePrice(seller.parent.teamRule, l1Cost, retail, null)
      : seller.tierCost < l1Cost
        ? l1Cost
        : seller.tierCost;
    levels.push({ level: 1, userId: seller.parent.userId, unitCost: l1Cost, unitSale: team });
    sellerCost = team;
  }
  const sale = saleRule === undefined ? sellerCost : effectivePrice(saleRule, sellerCost, retail, capBps);
  levels.push({ level: seller.parent ? 2 : 1, userId: seller.userId, unitCost: sellerCost, unitSale: sale });
  return levels;
}

/** The chain as stored on the order. */
export function priceChain(
  seller: ChainParty,
  retail: bigint,
  saleRule: PriceRule | null | undefined,
  capBps: number | null,
  shopId: string | null,
): PriceChain {
  return { retailUnit: retail, shopId, levels: chainLevels(seller, retail, saleRule, capBps) };
}

/** The most specific rule for a product: its own, else its category's, else the owner's default ('all'). */
export function pickRule(
  rules: ReadonlyArray<{ target: string; mode: RuleMode; value: bigint }>,
  productId: string,
  categoryId: string,
): PriceRule | null {
  const find = (t: string) => rules.find((r) => r.target === t);
  const r = find(`product:${productId}`) ?? find(`category:${categoryId}`) ?? find("all");
  return r ? { mode: r.mode, value: r.value } : null;
}
