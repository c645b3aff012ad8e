import type { StoredPricing } from "./order-pricing.ts";
import type { OrderStatus } from "./order-states.ts";

export interface Order {
  id: string;
  userId: string;
  idempotencyKey: string;
  requestHash: string;
  channel: string;
  productId: string;
  quantity: number;
  unitPrice: bigint;
  total: bigint;
  currency: string;
  target: string | null;
  status: OrderStatus;
  paymentTxId: string | null;
  settleTxId: string | null;
  refundTxId: string | null;
  supplierId: string | null;
  costTotal: bigint | null;
  failureReason: string | null;
  /** The price breakdown stored at placement (null on orders placed before it was stored). */
  pricing: StoredPricing | null;
  expiresAt: Date;
  paidAt: Date | null;
  deliveredAt: Date | null;
  closedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Columns a transition may set together with the status. */
export interface OrderPatch {
  paymentTxId?: string;
  settleTxId?: string;
  refundTxId?: string;
  supplierId?: string;
  costTotal?: bigint;
  failureReason?: string;
  paidAt?: Date;
  deliveredAt?: Date;
  closedAt?: Date;
}

export interface NewOrder {
  id: string;
  userId: string;
  idempotencyKey: string;
  requestHash: string;
  channel: string;
  productId: string;
  quantity: number;
  unitPrice: bigint;
  total: bigint;
  currency: string;
  target: string | null;
  pricing: StoredPricing;
  expiresAt: Date;
}

export interface OrderEventRow {
  id: bigint;
  fromStatus: string | null;
  toStatus: string;
  reason: string | null;
  createdAt: Date;
}
