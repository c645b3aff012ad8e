import type { Product } from "../catalog/index.ts";
import type { BackorderQueue, Order, OrderStore } from "../orders/index.ts";
import {
  DomainError,
  unavailable,
  type Clock,
  type CoreContext,
  type Currency,
  type LedgerPostingInput,
  type Sql,
  type SqlExecutor,
  type SqlRunner,
  type SqlTx,
} from "../shared/index.ts";
import type {
  AccountCodes,
  CatalogPort,
  ChainPricingPort,
  InventoryPort,
  LedgerPort,
  SupplierCandidatePort,
  SupplierOutcomePort,
  SuppliersPort,
} from "./ports.ts";
import type { IdempotencyLookups } from "./idempotency-lookups.ts";
import type { ProductGates } from "./place-order.gate.ts";
import type { OrderDecider } from "./place-order.stages.ts";

/** A committed order change, handed to `onCommitted` right after the commit (the outbox has it too). */
export interface CommittedChange {
  type: string;
  order: Order;
}

export interface FlowHooks {
  /**
   * Called after each commit that changed an order, on the hot path. The composition root uses it to
   * enqueue `fulfil-order` at once and nudge the outbox relay; the relay stays the safety net.
   */
  onCommitted?(change: CommittedChange): void;
  /**
   * Called after a supplier answered `succeeded` and before the delivery transaction: the crash test
   * kills the worker here. Never set in production.
   */
  afterSupplierCall?(order: Order, outcome: SupplierOutcomePort): void | Promise<void>;
  /** Where the flows report something an operator should see (late supplier success on a refunded order…). */
  warn?(obj: Record<string, unknown>, msg: string): void;
}

export interface OrderFlowDeps {
  /**
   * Every flow transaction (place+pay, deliver+settle, refund, expiry) and order read: the same
   * statements on PostgreSQL (pipelined) and on the embedded PGlite.
   */
  sql: SqlRunner;
  clock: Clock;
  ledger: LedgerPort;
  accounts: AccountCodes;
  catalog: CatalogPort;
  inventory: InventoryPort;
  suppliers: SuppliersPort;
  /** How long an unpaid order keeps its reservation. */
  paymentWindowMs: number;
  hooks?: FlowHooks;
  /** Product rows are cached this long for routing facts (delivery kind, sku); prices always come from quote. */
  productCacheMs?: number;
  /** The placement pipeline's deciders, asked in order before money moves (docs/order-pipeline.md). */
  deciders?: readonly OrderDecider[];
  /** The distributor price chain the price stage applies (docs/distribution.md); none: every sale at retail. */
  chain?: ChainPricingPort;
  /** Placements of one stock product priced, decided and committed at once (place-order.gate.ts); default 16. */
  placementsPerProduct?: number;
  /**
   * Whether an order placed to be paid later was held by a decider (`review`): paying it then moves it to
   * HELD_FOR_REVIEW instead of PAID. Runs in the payment's transaction. Unset: nothing is held at payment.
   */
  heldAtPayment?(ctx: CoreContext, tx: SqlTx, orderId: string): Promise<boolean>;
  /**
   * Minor units per currency a staff member may refund by calling `refund` directly (CLI, API); above
   * it (or in a currency left out) the refund goes through the staff console's approvals. Unset: none.
   */
  staffRefundOver?: Partial<Record<Currency, bigint>>;
}

/** The order store and where its statements run. */
export interface OrderDb {
  store: OrderStore;
  /** 补单: the AWAITING_STOCK queues and their lock (core/orders/backorder-queue.ts). */
  backorders: BackorderQueue;
  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  /** Where order reads outside a transaction go. */
  read: SqlExecutor;
  /** The order placed under a user's idempotency key, looked up together with the others asked meanwhile. */
  idempotency: IdempotencyLookups;
}

/** The other modules the flows call (through their ports). */
export interface FlowModules {
  ledger: LedgerPort;
  accounts: AccountCodes;
  catalog: CatalogPort;
  inventory: InventoryPort;
  suppliers: SuppliersPort;
}

/** Routing facts (the product, its STOCK supplier link), cached for `productCacheMs`. */
export interface RoutingCache {
  product(ctx: CoreContext, productId: string): Promise<Product | null>;
  /** Drops the cached product (it was found changed). */
  forget(productId: string): void;
  /** The STOCK supplier link of a CODE product (its unit cost), cached like products; null when none. */
  stockSupplier(ctx: CoreContext, productId: string): Promise<SupplierCandidatePort | null>;
  /**
   * Both of the above when they are cached and fresh, without I/O: for use inside a transaction, where
   * a read on another connection could wait forever on the embedded database's single connection.
   */
  cached(productId: string): { product: Product; stock: SupplierCandidatePort | null } | undefined;
  /**
   * A DIRECT product's supplier candidates (open circuits included, ranked), cached like products: the
   * first attempt at an order routes without a read. The breaker's state in it is as of the read; a
   * failure this process records drops the entry (`forgetSuppliers`), another process's shows within
   * the cache's lifetime.
   */
  supplierCandidates(ctx: CoreContext, productId: string): Promise<SupplierCandidatePort[]>;
  forgetSuppliers(productId: string): void;
}

/** What the flows tell the rest of the process: committed changes, operator warnings, the crash-test hook. */
export interface FlowSignals {
  committed(type: string, order: Order | null | undefined): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  afterSupplierCall?: FlowHooks["afterSupplierCall"];
}

/** How orders are placed: the payment window and the placement pipeline's deciders. */
export interface PlacementPolicy {
  paymentWindowMs: number;
  deciders: readonly OrderDecider[];
  heldAtPayment?: OrderFlowDeps["heldAtPayment"];
  chain?: ChainPricingPort;
  /** Each stock product's turns: how many of its placements run past the resolve stage at once. */
  gates: ProductGates;
}

/** What every flow runs with, in named parts (built once by `createOrders`). */
export interface FlowRuntime {
  orders: OrderDb;
  modules: FlowModules;
  routing: RoutingCache;
  signals: FlowSignals;
  placement: PlacementPolicy;
  clock: Clock;
}

/**
 * A statement issued without waiting for it (so that a pipelining runner sends it together with the
 * ones after it): when an earlier failure ends the transaction first, nobody awaits it, and its own
 * rejection must not count as unhandled.
 */
export function issued<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

/** Thrown inside a transaction to roll it back and return an expected outcome instead. */
export class Rollback<T> extends Error {
  constructor(readonly result: T) {
    super("rollback");
    this.name = "Rollback";
  }
}

/**
 * Thrown by `fulfil` when the order cannot finish yet but may later (a supplier's outcome is unknown,
 * or every supplier failed in a way that may pass): the job queue retries with backoff, and a job that
 * exhausts its retries ends in `refundExhausted`.
 */
export class FulfilmentRetry extends Error {
  constructor(
    readonly orderId: string,
    readonly reason: string,
  ) {
    super(`order ${orderId} cannot be fulfilled yet: ${reason}`);
    this.name = "FulfilmentRetry";
  }
}

/**
 * Runs a whole flow transaction again (at most 3 times) when the ledger answers `ledger_retry`: an account
 * it expected was missing (its creator rolled back), and postings made without a savepoint leave the
 * transaction unusable, so the transaction is redone from the start.
 */
export async function withLedgerRetry<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= 3 || !(e instanceof DomainError) || e.code !== "ledger_retry") throw e;
    }
  }
}

/**
 * Runs the statement that follows a deferred ledger posting (`deferred: true`): the posting's failure
 * arrives as that statement's error and is turned back into what the flow expects — a wallet that ran
 * short rolls back with `insufficient_funds` (when `walletDebited`), a missing account is retried.
 */
export async function afterDeferredPosting<T>(
  rt: FlowRuntime,
  walletDebited: boolean,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (e) {
    const failure = rt.modules.ledger.deferredFailure(e);
    if (failure === "insufficient_funds" && walletDebited)
      throw new Rollback({ ok: false, code: "insufficient_funds" } as const);
    if (failure === "ledger_retry") throw unavailable("ledger_retry", "a ledger account was missing; retry");
    throw e;
  }
}

/**
 * Posts a placement's settlement as its transaction's last statement (deferred, sent with COMMIT where the
 * runner can) under `transactionId` — with `onlyIf`, only when that returns a row; a wallet that ran short
 * rolls the placement back with `insufficient_funds`.
 */
export async function postSettlementLast(
  rt: FlowRuntime,
  ctx: CoreContext,
  tx: SqlTx,
  posting: LedgerPostingInput,
  transactionId: string,
  onlyIf?: Sql,
): Promise<void> {
  const posted = await afterDeferredPosting(rt, true, () =>
    rt.modules.ledger.post(ctx, posting, {
      tx,
      callerRollsBackOnFailure: true,
      deferred: true,
      last: true,
      transactionId,
      ...(onlyIf ? { onlyIf } : {}),
    }),
  );
  if (!posted.ok) throw new Rollback({ ok: false, code: "insufficient_funds" } as const);
}

/** A customer asking for someone else's order is told it does not exist (ids cannot be probed). */
export const ORDER_HIDDEN = { code: "order_not_found", message: "no such order" };
