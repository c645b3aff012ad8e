import { pricingOf, type Order, type PriceBreakdown } from "../orders/index.ts";
import type { AccountCodes } from "./ports.ts";

/** What one settled order gives each party (minor units, for the whole quantity). */
export interface SettlementShares {
  /** What the buyer paid. */
  total: bigint;
  /** The supplier's payable at cost. */
  supplierCost: bigint;
  /** What the platform sells at: level 1's cost on a chain order, the whole price otherwise. */
  platformSale: bigint;
  /** Each chain level's commission: (its sale − its cost) × quantity, level 1 first. */
  commissions: Array<{ userId: string; amount: bigint }>;
  /** The referral reward, funded from the platform's margin. */
  referral: { userId: string; amount: bigint } | null;
  /** The platform's revenue: platformSale − supplierCost − the referral reward. */
  revenue: bigint;
}

/**
 * The split of one order's price (docs/distribution.md "Settlement"). The reward is `bps` of the
 * platform's margin (never of a negative margin), rounded down; the shares always sum to `total`.
 */
export function settlementShares(pricing: PriceBreakdown, supplierCost: bigint): SettlementShares {
  const q = BigInt(pricing.quantity);
  const levels = pricing.chain?.levels ?? [];
  const platformSale = levels.length > 0 ? levels[0]!.unitCost * q : pricing.total;
  const commissions = levels.map((l) => ({ userId: l.userId, amount: (l.unitSale - l.unitCost) * q }));
  const margin = platformSale - supplierCost;
  const reward = pricing.referral && margin > 0n ? (margin * BigInt(pricing.referral.bps)) / 10_000n : 0n;
  return {
    total: pricing.total,
    supplierCost,
    platformSale,
    commissions,
    referral: pricing.referral && reward > 0n ? { userId: pricing.referral.referrerUserId, amount: reward } : null,
    revenue: platformSale - supplierCost - reward,
  };
}

/**
 * The order's ONE settlement posting (T+0), built from the breakdown stored at placement, never a recomputed
 * price: the money leaves escrow (or the buyer's wallet: `fromWallet`, paid and settled by one posting); the
 * supplier's payable at cost; each chain level's commission and the referral reward into wallets (still
 * customer money, so it stays in custody); the rest moves from custody to the platform's cash, and the
 * platform's revenue is what it sold at less cost and reward. Legs merged per account; they sum to zero.
 * Null when there is nothing to post (a free order at no cost).
 */
export function settlementPosting(
  accounts: AccountCodes,
  order: Order,
  supplier: { supplierId: string; cost: bigint } | null,
  fromWallet: boolean,
) {
  const pricing = pricingOf(order);
  const cost = supplier ? supplier.cost * BigInt(order.quantity) : 0n;
  const cur = order.currency;
  const t = pricing.total;
  if (t === 0n && cost === 0n) return { posting: null, cost };
  const shares = settlementShares(pricing, cost);
  const credits = [...shares.commissions, ...(shares.referral ? [shares.referral] : [])];
  const toWallets = credits.reduce((sum, c) => sum + c.amount, 0n);
  const legs = mergeLegs([
    fromWallet
      ? { account: accounts.walletCode(order.userId, cur), amount: -t }
      : { account: accounts.systemCode("order_escrow", cur), amount: -t },
    { account: accounts.systemCode("revenue", cur), amount: shares.revenue },
    ...(supplier ? [{ account: accounts.supplierPayableCode(supplier.supplierId, cur), amount: cost }] : []),
    ...credits.map((c) => ({ account: accounts.walletCode(c.userId, cur), amount: c.amount })),
    { account: accounts.systemCode("custody", cur), amount: t - toWallets },
    { account: accounts.systemCode("platform_cash", cur), amount: -(t - toWallets) },
  ]);
  const posting = {
    idempotencyKey: `order-settle:${order.id}`,
    kind: "order_settlement",
    metadata: { orderId: order.id, ...(supplier ? { supplierId: supplier.supplierId } : {}) },
    legs,
  };
  return { posting, cost };
}

/** One leg per account, in first-seen order, zero legs dropped. */
function mergeLegs(legs: Array<{ account: string; amount: bigint }>) {
  const merged = new Map<string, bigint>();
  for (const l of legs) merged.set(l.account, (merged.get(l.account) ?? 0n) + l.amount);
  return [...merged].filter(([, amount]) => amount !== 0n).map(([account, amount]) => ({ account, amount }));
}
