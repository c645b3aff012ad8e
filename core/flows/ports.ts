import type { Catalog } from "../catalog/index.ts";
import type { PriceChain, ReferralShare } from "../orders/index.ts";
import type { CoreContext, LedgerPostingInput, Sql, SqlTx } from "../shared/index.ts";

/**
 * What the order flows need from the other modules, as structural types: the composition root passes
 * the real modules, and a test may pass fakes. Kept to the calls the flows make.
 */
export type LedgerPostResult =
  { ok: true; transactionId: string; replayed: boolean } | { ok: false; code: "insufficient_funds"; account: string };

export interface LedgerPort {
  post(
    ctx: CoreContext,
    input: LedgerPostingInput,
    /**
     * `callerRollsBackOnFailure`: the flow rolls the whole transaction back if the posting fails.
     * `deferred`: sent with the transaction's next statement; failures surface there (`deferredFailure`).
     * `last` (with `deferred`): the transaction's final statement, sent with COMMIT where the runner can.
     * `transactionId`: the id the new transaction gets (so statements issued before it can name it).
     */
    opts?: {
      tx?: SqlTx;
      callerRollsBackOnFailure?: boolean;
      deferred?: boolean;
      last?: boolean;
      transactionId?: string;
      /** With `deferred`: posted only if this returns a row; otherwise nothing, quietly. */
      onlyIf?: Sql;
    },
  ): Promise<LedgerPostResult>;
  deferredFailure(e: unknown): "insufficient_funds" | "ledger_retry" | undefined;
  reverse(
    ctx: CoreContext,
    input: { transactionId: string; idempotencyKey: string; reason: string; shortfallToReceivable?: boolean },
    opts?: { tx?: SqlTx },
  ): Promise<LedgerPostResult>;
}

/** Pure account-code helpers (the ledger's chart of accounts). */
export interface AccountCodes {
  walletCode(userId: string, currency: string): string;
  systemCode(name: string, currency: string): string;
  supplierPayableCode(supplierId: string, currency: string): string;
}

/**
 * The distributor price chain (core/distribution `chainQuote`): for (product, shop?, buyer) the chain the
 * price goes through (null: a plain sale) and the referral share the order funds. Reads only.
 */
export interface ChainPricingPort {
  chainQuote(
    ctx: CoreContext,
    input: { productId: string; categoryId: string; retail: bigint; buyerUserId: string; shopId?: string | null },
  ): Promise<
    { ok: true; chain: PriceChain | null; referral: ReferralShare | null } | { ok: false; code: "shop_not_found" }
  >;
}

/** `stillOnSale` guards the order insert of an order priced from a cached product. */
export type CatalogPort = Pick<Catalog, "getProduct" | "quote" | "priceFor" | "checkTarget" | "stillOnSale">;

export interface DeliveredCode {
  code: string;
  password?: string;
}

export type ClaimResult =
  | { ok: true; codeIds: Array<bigint | string | number>; codes?: DeliveredCode[] }
  | { ok: false; code: "out_of_stock"; available: number };

export interface InventoryPort {
  claim(
    ctx: CoreContext,
    input: { productId: string; orderId: string; quantity: number },
    /**
     * `freshOrder`: the order was inserted in `tx`; `sell`: straight to SOLD, returning the codes;
     * `failIfShort`: too few codes fail the statement (`kameng_fail('out_of_stock', found)`).
     */
    opts: { tx: SqlTx; freshOrder?: boolean; sell?: boolean; failIfShort?: boolean },
  ): Promise<ClaimResult>;
  /** A recent claim found fewer than `quantity` codes (a hint for refusing before a transaction; never for selling). */
  knownShort(ctx: CoreContext, input: { productId: string; quantity: number }): { available: number } | null;
  /** A statement returning a row once the order holds codes (gates the statements issued after its claim). */
  claimedSql(orderId: string): Sql;
  release(ctx: CoreContext, input: { orderId: string }, opts: { tx: SqlTx }): Promise<unknown>;
  markSold(ctx: CoreContext, input: { orderId: string }, opts: { tx: SqlTx }): Promise<unknown>;
  /** A delivered order refunded: its sold codes are burned (never sold again). */
  burnSold(ctx: CoreContext, input: { orderId: string }, opts: { tx: SqlTx }): Promise<unknown>;
  addSupplierCodes(
    ctx: CoreContext,
    input: {
      productId: string;
      orderId: string;
      supplierId: string;
      codes: Array<{ code: string; password?: string }>;
    },
    opts: { tx: SqlTx },
  ): Promise<unknown>;
  reveal(ctx: CoreContext, input: { orderId: string }): Promise<Array<{ code: string; password?: string | null }>>;
}

export type SupplierOutcomePort =
  | { status: "succeeded"; externalRef: string; codes?: Array<{ code: string; password?: string }> }
  | { status: "pending"; externalRef: string | null }
  | { status: "failed"; retryable: boolean; unknown: boolean; reason: string; detail?: string };

export interface SupplierCandidatePort {
  supplierId: string;
  code: string;
  kind: string;
  cost: bigint;
  priority: number;
  supplierSku: string | null;
  /** Circuit breaker state: "open" ones are ranked last and only offered with `includeOpen`. */
  circuit: "closed" | "open" | "half_open";
}

/** One request to a supplier: `place` (recorded) and `send` (an opened request) take the same. */
export interface SupplierPlaceInputPort {
  supplierId: string;
  requestKey: string;
  orderId: string;
  sku: string;
  quantity: number;
  target?: string | null;
}

export interface SuppliersPort {
  candidates(
    ctx: CoreContext,
    productId: string,
    opts?: { exclude?: string[]; includeOpen?: boolean },
  ): Promise<SupplierCandidatePort[]>;
  requestKey(orderId: string, supplierId: string): string;
  place(ctx: CoreContext, input: SupplierPlaceInputPort): Promise<SupplierOutcomePort>;
  query(ctx: CoreContext, input: { supplierId: string; requestKey: string }): Promise<SupplierOutcomePort>;
  /** The first attempt's request row, written by the caller's transaction (issued, not waited for). */
  openRequest(
    ctx: CoreContext,
    input: { requestKey: string; orderId: string; supplierId: string },
    opts: { tx: SqlTx },
  ): Promise<void>;
  /** Sends an opened request to the supplier and answers its outcome, recording nothing. */
  send(ctx: CoreContext, input: SupplierPlaceInputPort): Promise<SupplierOutcomePort>;
  /** Records a success in the caller's delivery transaction (issued, not waited for). */
  recordSuccess(
    ctx: CoreContext,
    input: { supplierId: string; requestKey: string; outcome: Extract<SupplierOutcomePort, { status: "succeeded" }> },
    opts: { tx: SqlTx },
  ): Promise<void>;
  /** Records any other outcome `send` answered, and the breaker's count; what stands. */
  recordOutcome(
    ctx: CoreContext,
    input: { supplierId: string; requestKey: string; outcome: SupplierOutcomePort },
  ): Promise<SupplierOutcomePort>;
  /** The order's requests at suppliers (a staff retry skips the ones already asked). */
  attemptsFor?(ctx: CoreContext, input: { orderId: string }): Promise<Array<{ supplierId: string }>>;
}
