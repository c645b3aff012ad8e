import type { Condition } from "./risk-conditions.ts";
import type { RiskRule } from "./risk.types.ts";

/** A rule as shipped: created on first start (by name) and then the staff's to edit (docs/risk.md). */
export type RuleSeed = Pick<RiskRule, "name" | "description" | "subject" | "action" | "enabled"> & {
  condition: Condition;
};

/** The default rule set (docs/risk.md "Default rules"). Amounts are minor units (fen). */
export const DEFAULT_RULES: readonly RuleSeed[] = [
  {
    name: "blocklist-hit",
    description: "the buyer, target, IP or device is on the blocklist",
    subject: "any",
    action: "block",
    enabled: true,
    condition: {
      any: [
        { listed: "block", kind: "user" },
        { listed: "block", kind: "target" },
        { listed: "block", kind: "ip" },
        { listed: "block", kind: "device" },
      ],
    },
  },
  {
    name: "buyer-velocity",
    description: "more than 5 orders from one buyer in 10 minutes",
    subject: "order",
    action: "block",
    enabled: true,
    condition: { agg: { measure: "count", per: "buyer", windowMinutes: 10 }, op: "gt", value: 5 },
  },
  {
    name: "target-velocity",
    description: "more than 10 orders to one phone number/account in 10 minutes",
    subject: "order",
    action: "review",
    enabled: true,
    condition: { agg: { measure: "count", per: "target", windowMinutes: 10 }, op: "gt", value: 10 },
  },
  {
    name: "many-buyers-one-target",
    description: "more than 3 different buyers topping up one phone number/account within an hour",
    subject: "order",
    action: "review",
    enabled: true,
    condition: { agg: { measure: "distinct_buyers", per: "target", windowMinutes: 60 }, op: "gt", value: 3 },
  },
  {
    name: "new-account-large-first-order",
    description: "a first order of 500.00 or more from an account less than a day old",
    subject: "order",
    action: "review",
    enabled: true,
    condition: {
      all: [
        { signal: "amount", op: "gte", value: 50_000 },
        { signal: "buyer.order_count", op: "eq", value: 0 },
        { signal: "buyer.age_days", op: "lt", value: 1 },
      ],
    },
  },
  {
    name: "unverified-large-amount",
    description: "more than 2,000.00 in one order or top-up from a buyer without real-name verification",
    subject: "any",
    action: "kyc_required",
    enabled: true,
    condition: {
      all: [
        { signal: "amount", op: "gt", value: 200_000 },
        { signal: "buyer.kyc", op: "neq", value: "verified" },
      ],
    },
  },
  {
    name: "topup-velocity",
    description: "more than 10 top-ups from one buyer in an hour",
    subject: "topup",
    action: "review",
    enabled: true,
    condition: { agg: { measure: "count", per: "buyer", windowMinutes: 60 }, op: "gt", value: 10 },
  },
];
