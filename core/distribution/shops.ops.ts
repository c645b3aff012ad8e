import { conflict, formatMoney, newId, notFound, type CoreContext, type Currency } from "../shared/index.ts";
import type { DistributionDeps } from "./distribution-deps.ts";
import { createShopSchema, setRuleSchema, type SetRuleInput } from "./distribution.schemas.ts";
import {
  chainFactsSql,
  distributorSql,
  insertShopSql,
  productsForTargetSql,
  rulesSql,
  shopSql,
  shopsOfSql,
  upsertRuleSql,
} from "./distribution.sql.ts";
import type { Distributor, DistributionPriceRule, DistributorShop } from "./distribution.types.ts";
import { parseInput } from "./parse-input.ts";
import { checkRule, chainLevels } from "./price-chain.ts";
import { partyOf, type ChainFactsRow } from "./chain-quote.ts";

/** Shops and the price rules of shops (SHOP) and of L1s for their teams (TEAM). */
export function shopOps(deps: DistributionDeps) {
  const { sql, clock } = deps;

  async function shop(id: string): Promise<DistributorShop> {
    const [s] = await sql.query<DistributorShop>(shopSql(id));
    if (!s) throw notFound("shop_not_found", "no such shop", { shopId: id });
    return s;
  }

  /**
   * Refuses a rule that would sell a covered product under its floor (the seller's cost now: a shop's
   * owner's cost, or for a team price the L1's own cost) or a shop rule over the platform's cap, naming the
   * product and the floor.
   */
  async function checkCovered(rule: DistributionPriceRule, sellerId: string, shopId: string | null) {
    const products = await sql.query<{ productId: string; categoryId: string; retail: bigint; currency: string }>(
      productsForTargetSql(rule.target),
    );
    for (const p of products) {
      const retail = BigInt(p.retail);
      const [facts] = await sql.query<ChainFactsRow>(chainFactsSql(sellerId, shopId, p.productId, p.categoryId));
      const party = facts ? partyOf(facts, p.productId, p.categoryId, retail) : null;
      if (!party) continue;
      const floor = chainLevels(party, retail, undefined, null).at(-1)!.unitCost;
      const cap = rule.scope === "SHOP" ? deps.maxOverRetailBps : null;
      const checked = checkRule({ mode: rule.mode, value: rule.value }, floor, retail, cap);
      if (checked.ok) continue;
      const money = (v: bigint) => formatMoney(v, p.currency as Currency, "en");
      if (checked.code === "price_below_floor")
        throw conflict(
          "price_below_floor",
          `this rule prices product ${p.productId} at ${money(checked.price)}, under its floor ${money(checked.floor)} (the cost)`,
          { productId: p.productId, floor: checked.floor.toString(), price: checked.price.toString() },
        );
      throw conflict(
        "price_above_cap",
        `this rule prices product ${p.productId} at ${money(checked.price)}, over the platform's maximum ${money(checked.cap)}`,
        { productId: p.productId, cap: checked.cap.toString(), price: checked.price.toString() },
      );
    }
  }

  return {
    shop: (_ctx: CoreContext, id: string) => shop(id),
    async createShop(_ctx: CoreContext, input: unknown) {
      const p = parseInput(createShopSchema, input);
      const [owner] = await sql.query<Distributor>(distributorSql(p.ownerId));
      if (!owner) throw notFound("distributor_not_found", "only a distributor can open a shop", { userId: p.ownerId });
      const [row] = await sql.query<DistributorShop>(insertShopSql(newId(), p.ownerId, p.name, clock.now()));
      return row!;
    },
    shops: (_ctx: CoreContext, ownerId: string) => sql.query<DistributorShop>(shopsOfSql(ownerId)),
    /** The rule's owner: the shop's owner (SHOP) or the L1 itself (TEAM) — for the access check. */
    async ruleOwner(_ctx: CoreContext, input: SetRuleInput): Promise<string> {
      const p = parseInput(setRuleSchema, input);
      return p.scope === "SHOP" ? (await shop(p.ownerId)).ownerId : p.ownerId;
    },
    async setRule(_ctx: CoreContext, input: SetRuleInput): Promise<DistributionPriceRule> {
      const p = parseInput(setRuleSchema, input);
      const rule: DistributionPriceRule = { ...p };
      if (p.scope === "SHOP") {
        const s = await shop(p.ownerId);
        await checkCovered(rule, s.ownerId, s.id);
      } else {
        const [l1] = await sql.query<Distributor>(distributorSql(p.ownerId));
        if (!l1) throw notFound("distributor_not_found", "only a distributor sets team prices", { userId: p.ownerId });
        await checkCovered(rule, p.ownerId, null);
      }
      const [row] = await sql.query<DistributionPriceRule>(upsertRuleSql(rule, clock.now()));
      return row!;
    },
    rules: (_ctx: CoreContext, scope: "SHOP" | "TEAM", ownerId: string) =>
      sql.query<DistributionPriceRule>(rulesSql(scope, ownerId)),
  };
}
