import type { CircuitState } from "./circuit-breaker.ts";
import type { SupplierOutcome } from "./supplier-client.port.ts";

/**
 * `HTTP`: a supplier reached over the generic signed protocol (the simulated supplier is one).
 * `STOCK`: our own imported code stock. It has no client: CODE products are claimed from inventory by the
 * orders flow. It may be linked to products so `candidates` can rank it by cost beside HTTP suppliers;
 * `place`/`query` refuse it, and it never trips the breaker.
 */
export const SUPPLIER_KINDS = ["HTTP", "STOCK"] as const;
export type SupplierKind = (typeof SUPPLIER_KINDS)[number];

/** A supplier as callers see it: never the secret. */
export interface SupplierView {
  id: string;
  code: string;
  name: string;
  kind: SupplierKind;
  baseUrl: string | null;
  hasSecret: boolean;
  active: boolean;
  consecutiveFailures: number;
  circuitOpenUntil: Date | null;
  circuit: CircuitState;
}

/** A supplier with its health over a recent window (`Suppliers.health`). */
export interface SupplierHealth extends SupplierView {
  requests: number;
  succeeded: number;
  failed: number;
  pending: number;
  /** succeeded / (succeeded + failed); null when none finished. */
  successRate: number | null;
  meanMs: number | null;
  p95Ms: number | null;
}

export interface UpsertSupplierInput {
  /** Stable identifier, also the callback path segment: `[a-z0-9_-]{1,40}`. */
  code: string;
  name: string;
  kind: SupplierKind;
  baseUrl?: string | null;
  /** Plain shared secret; stored encrypted. Omit on update to keep the current one. */
  secret?: string;
  active?: boolean;
}

export interface LinkProductInput {
  productId: string;
  supplierId: string;
  /** What the supplier charges us per unit, minor units of the product's currency. */
  cost: bigint;
  /** Tie-breaker after cost: lower first (0 = preferred), like MX priorities. */
  priority?: number;
  /** The supplier's own SKU; defaults to our product id when absent. */
  supplierSku?: string | null;
  active?: boolean;
}

export interface SupplierCandidate {
  supplierId: string;
  code: string;
  kind: SupplierKind;
  cost: bigint;
  priority: number;
  supplierSku: string | null;
  circuit: CircuitState;
  circuitOpenUntil: Date | null;
}

export interface CandidatesOptions {
  exclude?: string[];
  /**
   * Append suppliers whose circuit is open, soonest-to-reopen first, after the healthy ones. Off by default:
   * see `candidates`.
   */
  includeOpen?: boolean;
}

export interface PlaceInput {
  supplierId: string;
  requestKey: string;
  orderId: string;
  sku: string;
  quantity: number;
  target?: string | null;
}

export interface QueryInput {
  supplierId: string;
  requestKey: string;
}

export type SupplierRequestStatus = "PENDING" | "SUCCEEDED" | "FAILED";

export interface VerifyCallbackInput {
  supplierCode: string;
  rawBody: string;
  headers: Headers | Record<string, string | string[] | undefined>;
}

export interface VerifiedCallback {
  requestKey: string;
  orderId: string;
  supplierId: string;
  /** The recorded outcome: a late callback never overturns a success already recorded. */
  outcome: SupplierOutcome;
}

export interface PendingSupplierRequest {
  requestKey: string;
  orderId: string;
  supplierId: string;
  /** The last reason when the outcome is unknown (`timeout`, `server_error`, ...); null while simply pending. */
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}
