/*
 * The distributor price chain as an order stores it (core/orders' breakdown) and core/distribution computes
 * it: shared types, so neither module imports the other (core/flows composes them).
 */

export interface ChainLevel {
  level: 1 | 2;
  userId: string;
  unitCost: bigint;
  unitSale: bigint;
}

export interface PriceChain {
  retailUnit: bigint;
  /** The shop the order was placed in (null: a distributor buying at its own cost, e.g. through /v1). */
  shopId: string | null;
  levels: ChainLevel[];
}

export interface ReferralShare {
  referrerUserId: string;
  /** Basis points of the platform's margin (what the platform sells at − the supplier's cost). */
  bps: number;
}
