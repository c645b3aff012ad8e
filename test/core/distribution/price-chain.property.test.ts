import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  chainLevels,
  checkRule,
  effectivePrice,
  rulePrice,
  tierCost,
  type ChainParty,
  type PriceRule,
} from "../../../core/distribution/index.ts";
import { chainPricing } from "../../../core/flows/chain-pricing.ts";
import { settlementPosting, settlementShares } from "../../../core/flows/settlement-posting.ts";
import { chainAddsUp, encodePricing, retailPricing, type Order } from "../../../core/orders/index.ts";

const uuid = fc.uuid().map((u) => u.toLowerCase());
const rule: fc.Arbitrary<PriceRule> = fc.oneof(
  fc.constant<PriceRule>({ mode: "INHERIT", value: 0n }),
  fc.bigInt({ min: 0n, max: 50_000n }).map((value) => ({ mode: "MARKUP_PCT" as const, value })),
  fc.bigInt({ min: 0n, max: 1_000_000n }).map((value) => ({ mode: "FIXED_OVER_COST" as const, value })),
  fc.bigInt({ min: 0n, max: 20_000_000n }).map((value) => ({ mode: "FIXED_PRICE" as const, value })),
);
const discount = fc.integer({ min: 0, max: 10_000 });
const explicit = fc.option(fc.bigInt({ min: 0n, max: 20_000_000n }), { nil: null });

const scenario = fc.record({
  retail: fc.bigInt({ min: 0n, max: 10_000_000n }),
  quantity: fc.integer({ min: 1, max: 10 }),
  seller: fc.record({ userId: uuid, discount, explicit }),
  parent: fc.option(fc.record({ userId: uuid, discount, explicit, teamRule: fc.option(rule, { nil: null }) }), {
    nil: null,
  }),
  /** undefined: the distributor buys at its own cost (API); null: a shop without a rule (inherit). */
  saleRule: fc.oneof(fc.constant(undefined), fc.constant(null), rule),
  capBps: fc.option(fc.integer({ min: 0, max: 50_000 }), { nil: null }),
  supplierUnitCost: fc.bigInt({ min: 0n, max: 20_000_000n }),
  referralBps: fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: null }),
  buyer: uuid,
  referrer: uuid,
});

const accounts = {
  walletCode: (u: string, c: string) => `wallet:${u}:${c}`,
  systemCode: (n: string, c: string) => `system:${n}:${c}`,
  supplierPayableCode: (s: string, c: string) => `supplier_payable:${s}:${c}`,
};

describe("the price chain (property): price ≥ every cost, commissions ≥ 0, legs sum to the price", () => {
  it("holds over random tiers, team prices, markups, caps, levels, supplier costs and referrals", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const party: ChainParty = {
          userId: s.seller.userId,
          tierCost: tierCost(s.retail, s.seller.discount, s.seller.explicit),
          parent: s.parent
            ? {
                userId: s.parent.userId,
                tierCost: tierCost(s.retail, s.parent.discount, s.parent.explicit),
                teamRule: s.parent.teamRule,
              }
            : null,
        };
        const levels = chainLevels(party, s.retail, s.saleRule, s.capBps);
        const price = levels.at(-1)!.unitSale;
        for (const l of levels) {
          expect(price).toBeGreaterThanOrEqual(l.unitCost);
          expect(l.unitSale).toBeGreaterThanOrEqual(l.unitCost);
        }
        expect(levels).toHaveLength(s.parent ? 2 : 1);
        // An L2's cost is never below its L1's cost.
        if (s.parent) expect(levels[1]!.unitCost).toBeGreaterThanOrEqual(levels[0]!.unitCost);

        const q = BigInt(s.quantity);
        const retail = retailPricing({
          currency: "CNY",
          quantity: s.quantity,
          unitPrice: s.retail,
          total: s.retail * q,
        });
        const chain = { retailUnit: s.retail, shopId: null, levels };
        const referral = s.referralBps === null ? null : { referrerUserId: s.referrer, bps: s.referralBps };
        const pricing = chainPricing(retail, chain, referral);
        expect(chainAddsUp(chain, pricing.unitPrice)).toBe(true);
        const supplierCost = s.supplierUnitCost * q;
        const shares = settlementShares(pricing, supplierCost);
        const commissions = shares.commissions.reduce((a, c) => a + c.amount, 0n);
        for (const c of shares.commissions) expect(c.amount).toBeGreaterThanOrEqual(0n);
        expect(shares.platformSale + commissions).toBe(pricing.total);
        expect(shares.revenue + shares.supplierCost + (shares.referral?.amount ?? 0n) + commissions).toBe(
          pricing.total,
        );
        if (shares.referral) {
          expect(shares.referral.amount).toBeGreaterThan(0n);
          expect(shares.referral.amount).toBeLessThanOrEqual(shares.platformSale - supplierCost);
        }

        const order = {
          id: "00000000-0000-4000-8000-000000000001",
          userId: s.buyer,
          currency: "CNY",
          quantity: s.quantity,
          unitPrice: pricing.unitPrice,
          total: pricing.total,
          pricing: encodePricing(pricing),
        } as unknown as Order;
        for (const fromWallet of [true, false]) {
          const { posting } = settlementPosting(
            accounts,
            order,
            { supplierId: "00000000-0000-4000-8000-0000000000aa", cost: s.supplierUnitCost },
            fromWallet,
          );
          if (!posting) continue;
          expect(posting.legs.reduce((a, l) => a + l.amount, 0n)).toBe(0n);
          expect(new Set(posting.legs.map((l) => l.account)).size).toBe(posting.legs.length);
        }
      }),
      { numRuns: 2_000, seed: 20_261_230 },
    );
  });

  it("a rule under the floor is refused with the floor; a rule at or over it is allowed and sells at its price", () => {
    fc.assert(
      fc.property(
        rule,
        fc.bigInt({ min: 0n, max: 10_000_000n }),
        fc.bigInt({ min: 0n, max: 10_000_000n }),
        (r, cost, retail) => {
          const checked = checkRule(r, cost, retail, null);
          const asked = rulePrice(r, cost, retail);
          if (asked < cost)
            expect(checked).toEqual({ ok: false, code: "price_below_floor", floor: cost, price: asked });
          else {
            expect(checked).toEqual({ ok: true, price: asked });
            expect(effectivePrice(r, cost, retail, null)).toBe(asked);
          }
          // Whatever the rule, the effective price never goes under the cost.
          expect(effectivePrice(r, cost, retail, 0)).toBeGreaterThanOrEqual(cost);
        },
      ),
      { numRuns: 2_000, seed: 7 },
    );
  });
});
