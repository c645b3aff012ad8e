import type { PriceChain, ReferralShare } from "../shared/index.ts";
import type { RuleMode } from "./price-chain.ts";

/** A distributor tier (data; staff edit it). Amounts in minor units of CNY; percentages in basis points. */
export interface Tier {
  id: string;
  rank: number;
  nameZh: string;
  nameEn: string;
  /** Off retail, unless the tier has an explicit price for the product. */
  discountBps: number;
  /** Sub-distributor levels it may have under it (0–2; the chain has at most two levels). */
  maxLevels: number;
  /** Rolling 30-day delivered sales that reach this tier. */
  upgradeAt: bigint;
  withdrawMin: bigint;
  withdrawFeeBps: number;
  withdrawDailyLimit: bigint;
}

export interface Distributor {
  userId: string;
  tierId: string;
  /** Its L1, when it is an L2. */
  parentId: string | null;
  /** Staff fixed the tier: no automatic up/downgrade. */
  tierPinned: boolean;
  /** Since when its volume has been below its tier's threshold (the downgrade's hysteresis). */
  belowSince: Date | null;
  tierChangedAt: Date;
  createdAt: Date;
}

export interface DistributorShop {
  id: string;
  ownerId: string;
  name: string;
  createdAt: Date;
}

export type RuleScope = "SHOP" | "TEAM";

/** A sale-price rule of a shop (SHOP) or an L1's team price (TEAM). target: all | category:<id> | product:<id>. */
export interface DistributionPriceRule {
  scope: RuleScope;
  ownerId: string;
  target: string;
  mode: RuleMode;
  value: bigint;
}

export interface DistributorApplication {
  userId: string;
  status: "PENDING" | "APPROVED" | "REJECTED";
  note: string | null;
  decidedBy: string | null;
  createdAt: Date;
  decidedAt: Date | null;
}

/** What the price stage adds to an order: the chain (null: a plain sale at retail) and a referral share. */
export type ChainQuote =
  { ok: true; chain: PriceChain | null; referral: ReferralShare | null } | { ok: false; code: "shop_not_found" };

/** How referral rewards work (config): `bps` of the platform's margin, for `periodDays` after attribution. */
export interface ReferralPolicy {
  bps: number;
  periodDays: number;
}

/** One product's price for a distributor (`GET /v1/prices`). */
export interface DistributorPrice {
  productId: string;
  sku: string;
  currency: string;
  retail: bigint;
  price: bigint;
}
