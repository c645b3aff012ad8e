import type { Condition } from "./risk-conditions.ts";

/** What a decision is about. */
export const RISK_SUBJECTS = ["order", "topup", "withdrawal"] as const;
export type RiskSubjectKind = (typeof RISK_SUBJECTS)[number];
/** The outcomes, least severe first; a decision is the most severe outcome of the rules that fired. */
export const RISK_OUTCOMES = ["allow", "review", "kyc_required", "block"] as const;
export type RiskOutcome = (typeof RISK_OUTCOMES)[number];
export type RuleAction = Exclude<RiskOutcome, "allow">;
export const RULE_ACTIONS: readonly RuleAction[] = ["review", "kyc_required", "block"];

/** A rule as stored (risk_rules): `subject` `any` applies to every subject. */
export interface RiskRule {
  id: string;
  name: string;
  description: string;
  subject: RiskSubjectKind | "any";
  action: RuleAction;
  condition: Condition;
  enabled: boolean;
  version: number;
  updatedBy: string;
  updatedAt: Date;
}

/** The thing being decided: an order being placed, a top-up, a withdrawal. Money in minor units. */
export interface RiskSubject {
  subject: RiskSubjectKind;
  /** Unique per event (the order id, the payment id): what the counters count. */
  eventId: string;
  userId: string;
  channel: string;
  amount: bigint;
  currency: string;
  quantity?: number;
  productId?: string;
  categoryId?: string;
  target?: string | null;
  /** Where the channel knows them (web chat, API): the client's IP address and a device/browser id. */
  ip?: string;
  device?: string;
}

export interface FiredRule {
  name: string;
  version: number;
  action: RuleAction;
  /** The signal and aggregation values the rule looked at. */
  seen: Record<string, unknown>;
}

export interface RiskDecision {
  outcome: RiskOutcome;
  /** The case's reference the buyer can quote (`R-…`); null for `allow`. */
  reference: string | null;
  fired: FiredRule[];
  /**
   * Takes this event back out of the counters: the caller did not go through with it (the order was not
   * placed). Idempotent; a no-op for decisions that were never counted (block, kyc_required).
   */
  undo(): Promise<void>;
}

export const RISK_CASE_STATUSES = ["OPEN", "APPROVED", "REJECTED", "EXPIRED", "CLOSED"] as const;
export type RiskCaseStatus = (typeof RISK_CASE_STATUSES)[number];

/** A recorded non-allow decision (risk_cases). */
export interface RiskCase {
  id: string;
  reference: string;
  subject: RiskSubjectKind;
  subjectId: string | null;
  userId: string | null;
  outcome: RuleAction;
  fired: FiredRule[];
  signals: Record<string, unknown>;
  status: RiskCaseStatus;
  decidedBy: string | null;
  decidedAt: Date | null;
  note: string | null;
  createdAt: Date;
}

export const RISK_LISTS = ["block", "allow"] as const;
export type RiskList = (typeof RISK_LISTS)[number];

export interface RiskListEntry {
  id: string;
  list: RiskList;
  kind: "user" | "target" | "ip" | "device";
  value: string;
  reason: string;
  author: string;
  expiresAt: Date | null;
  createdAt: Date;
}

/** What the risk engine knows of a buyer (a port: the composition root reads users and orders). */
export interface BuyerProfile {
  createdAt: Date;
  /** Delivered orders. */
  orderCount: number;
  /** No order (in any state) was placed before this one: the buyer's first order. */
  firstOrder: boolean;
  /** Sum of delivered orders, minor units (any currency: the shop's main one in practice). */
  lifetimeSpend: bigint;
  /** The buyer's distributor tier (core/distribution) and its rank; null and 0 for a plain buyer. */
  tier: string | null;
  tierRank: number;
}

/** One past order, as the backtest replays it. */
export interface HistoricalOrder {
  id: string;
  userId: string;
  channel: string;
  productId: string;
  categoryId: string | null;
  quantity: number;
  total: bigint;
  currency: string;
  target: string | null;
  createdAt: Date;
  buyerCreatedAt: Date;
  /** The buyer's distributor tier now (and its rank), if any. */
  buyerTier?: string | null;
  buyerTierRank?: number;
}

export interface BacktestResult {
  days: number;
  orders: number;
  outcomes: Record<RiskOutcome, number>;
  /** How often each rule fired. */
  byRule: Record<string, number>;
  /** The first orders that would have been held or refused (id, outcome, rules). */
  examples: Array<{ orderId: string; outcome: RuleAction; rules: string[] }>;
}
