import {
  conflict,
  inSqlTx,
  invalidData,
  newId,
  notFound,
  unauthorized,
  type Clock,
  type CoreContext,
  type Db,
  type SecretBox,
  type SqlRunner,
  type SqlTx,
  type SqlTxOptions,
  type TxOptions,
} from "../shared/index.ts";
import { DbCircuitBreaker, DEFAULT_BREAKER, type BreakerOptions } from "./circuit-breaker.ts";
import { answerToOutcome, DEFAULT_SUPPLIER_TIMEOUT_MS, HttpSupplierClient } from "./http-supplier-client.ts";
import { rankCandidates } from "./routing.ts";
import type { SupplierClient, SupplierOutcome, SupplierSucceeded } from "./supplier-client.port.ts";
import { REQUEST_KEY_PATTERN, SUPPLIER_CALLBACK_PATH, supplierAnswerSchema } from "./supplier-protocol.ts";
import { SupplierRequestStore } from "./supplier-request-store.ts";
import {
  candidatesSql,
  closeCircuitSql,
  ensureRequestSql,
  supplierByCodeSql,
  supplierSql,
  type SupplierRow,
} from "./suppliers.sql.ts";
import { supplierHealthSql } from "./supplier-health.sql.ts";
import { verifySignature } from "./supplier-signature.ts";
import {
  SUPPLIER_KINDS,
  type CandidatesOptions,
  type LinkProductInput,
  type PendingSupplierRequest,
  type PlaceInput,
  type QueryInput,
  type SupplierCandidate,
  type SupplierHealth,
  type SupplierKind,
  type SupplierView,
  type UpsertSupplierInput,
  type VerifiedCallback,
  type VerifyCallbackInput,
} from "./types.ts";

/** What a client needs to reach one supplier (the secret decrypted just for the call). */
export interface SupplierConnection {
  id: string;
  code: string;
  baseUrl: string;
  secret: string;
}

export interface SuppliersDeps {
  /** Supplier configuration (admin CRUD: upsert, link, list). */
  prisma: Db;
  /** Routing, the request store, the breaker, callbacks: the fulfilment paths. */
  sql: SqlRunner;
  clock: Clock;
  secrets: SecretBox;
  /** Injected for tests and proxies; defaults to the global fetch. */
  fetch?: typeof fetch;
  breaker?: Partial<BreakerOptions>;
  /** Public base URL our supplier callbacks reach (`…/webhooks/suppliers/<code>` is appended); null = poll only. */
  callbackBaseUrl: string | null;
  /** Per supplier call (default 10 s). */
  timeoutMs?: number;
  /** Builds the client for a supplier; default: the generic signed HTTP protocol. */
  clientFor?: (supplier: SupplierConnection) => SupplierClient;
  /**
   * How long `send` reuses a supplier's row (URL, secret) read earlier by this process. Default 5 s; an
   * upsert in this process drops it at once.
   */
  connectionCacheMs?: number;
}

const CODE_PATTERN = /^[a-z0-9_-]{1,40}$/;

/** A routing row as read: the candidate before its breaker state is derived. */
type CandidateRow = Omit<SupplierCandidate, "kind" | "circuit"> & { kind: string; consecutiveFailures: number };

export function createSuppliers(deps: SuppliersDeps) {
  const { prisma: db, clock, secrets } = deps;
  const hot = deps.sql;
  const breakerOpts: BreakerOptions = { ...DEFAULT_BREAKER, ...deps.breaker };
  const breaker = new DbCircuitBreaker(clock, breakerOpts);
  const store = new SupplierRequestStore(clock, secrets);
  const clientFor =
    deps.clientFor ??
    ((s: SupplierConnection) =>
      new HttpSupplierClient({
        baseUrl: s.baseUrl,
        secret: s.secret,
        clock,
        fetch: deps.fetch,
        timeoutMs: deps.timeoutMs ?? DEFAULT_SUPPLIER_TIMEOUT_MS,
      }));

  const view = (row: SupplierRow): SupplierView => ({
    id: row.id,
    code: row.code,
    name: row.name,
    kind: row.kind as SupplierKind,
    baseUrl: row.baseUrl,
    hasSecret: row.secretEnc !== null,
    active: row.active,
    consecutiveFailures: row.consecutiveFailures,
    circuitOpenUntil: row.circuitOpenUntil,
    circuit: breaker.state(row),
  });

  /** The client for an HTTP supplier; STOCK and unconfigured suppliers have none. */
  const connect = (row: SupplierRow): SupplierClient => {
    if (row.kind !== "HTTP")
      throw invalidData(
        "supplier_has_no_client",
        `supplier ${row.code} is ${row.kind}: it is not called over the network`,
      );
    if (!row.baseUrl || !row.secretEnc)
      throw invalidData("supplier_not_configured", `supplier ${row.code} has no base URL or secret`);
    return clientFor({ id: row.id, code: row.code, baseUrl: row.baseUrl, secret: secrets.decrypt(row.secretEnc) });
  };

  // The rows `send` connects with (URL, secret), as last read by this process. Never used for the breaker.
  const rows = new Map<string, { at: number; row: SupplierRow }>();
  const rowCacheMs = deps.connectionCacheMs ?? 5_000;
  const loadSupplier = async (supplierId: string): Promise<SupplierRow> => {
    const [row] = await hot.query<SupplierRow>(supplierSql(supplierId));
    if (!row) throw notFound("supplier_not_found", "no such supplier", { supplierId });
    rows.set(supplierId, { at: clock.now().getTime(), row });
    return row;
  };

  const cachedSupplier = (supplierId: string): Promise<SupplierRow> => {
    const hit = rows.get(supplierId);
    if (hit && clock.now().getTime() - hit.at < rowCacheMs) return Promise.resolve(hit.row);
    if (rows.size > 1_000) rows.clear();
    return loadSupplier(supplierId);
  };

  const checkPlaceInput = (input: { requestKey: string; quantity?: number }) => {
    if (!REQUEST_KEY_PATTERN.test(input.requestKey)) throw invalidData("invalid_request_key", "malformed request key");
    if (input.quantity !== undefined && (!Number.isInteger(input.quantity) || input.quantity < 1))
      throw invalidData("invalid_quantity", "quantity must be a positive integer");
  };

  const callbackUrlFor = (code: string): string | null =>
    deps.callbackBaseUrl === null
      ? null
      : `${deps.callbackBaseUrl.replace(/\/+$/, "")}${SUPPLIER_CALLBACK_PATH.replace(":supplierCode", code)}`;

  return {
    /** The URL suppliers post callbacks to for `code` (null when callbacks are off). */
    callbackUrlFor,

    /** Creates or updates a supplier by `code`; the secret is stored encrypted and never returned. */
    async upsertSupplier(_ctx: CoreContext, input: UpsertSupplierInput, opts?: TxOptions): Promise<SupplierView> {
      if (!CODE_PATTERN.test(input.code))
        throw invalidData("invalid_supplier_code", "supplier code must be [a-z0-9_-]{1,40}");
      if (!SUPPLIER_KINDS.includes(input.kind))
        throw invalidData("invalid_supplier_kind", `kind must be one of ${SUPPLIER_KINDS.join(", ")}`);
      if (input.baseUrl != null && !/^https?:\/\/[^\s]+$/.test(input.baseUrl))
        throw invalidData("invalid_base_url", "baseUrl must be an http(s) URL");
      if (input.secret !== undefined && input.secret.length < 16)
        throw invalidData("weak_supplier_secret", "the shared secret must be at least 16 characters");
      const secretEnc = input.secret === undefined ? undefined : secrets.encrypt(input.secret);
      rows.clear();
      const row = await (opts?.tx ?? db).supplier.upsert({
        where: { code: input.code },
        create: {
          id: newId(),
          code: input.code,
          name: input.name,
          kind: input.kind,
          baseUrl: input.baseUrl ?? null,
          secretEnc: secretEnc ?? null,
          active: input.active ?? true,
          createdAt: clock.now(),
        },
        update: {
          name: input.name,
          kind: input.kind,
          ...(input.baseUrl !== undefined ? { baseUrl: input.baseUrl } : {}),
          ...(secretEnc !== undefined ? { secretEnc } : {}),
          ...(input.active !== undefined ? { active: input.active } : {}),
        },
      });
      return view(row);
    },

    async getSupplier(_ctx: CoreContext, supplierId: string, opts?: TxOptions): Promise<SupplierView> {
      const row = await (opts?.tx ?? db).supplier.findUnique({ where: { id: supplierId } });
      if (!row) throw notFound("supplier_not_found", "no such supplier", { supplierId });
      return view(row);
    },

    async listSuppliers(_ctx: CoreContext, opts?: TxOptions): Promise<SupplierView[]> {
      const rows = await (opts?.tx ?? db).supplier.findMany({ orderBy: { code: "asc" } });
      return rows.map(view);
    },

    /**
     * Every supplier with its breaker state and its requests since `since` (default the last hour): success
     * rate, failures, pending, latency (mean and p95 of the finished ones). The staff console's list.
     */
    async health(_ctx: CoreContext, input: { since?: Date } = {}): Promise<SupplierHealth[]> {
      const since = input.since ?? new Date(clock.now().getTime() - 3_600_000);
      const [suppliers, rows] = await Promise.all([
        db.supplier.findMany({ orderBy: { code: "asc" } }),
        hot.query<{
          supplier_id: string;
          requests: number;
          succeeded: number;
          failed: number;
          pending: number;
          mean_ms: number | null;
          p95_ms: number | null;
        }>(supplierHealthSql(since)),
      ]);
      const by = new Map(rows.map((r) => [r.supplier_id, r]));
      return suppliers.map((row) => {
        const r = by.get(row.id);
        const finished = (r?.succeeded ?? 0) + (r?.failed ?? 0);
        return {
          ...view(row),
          requests: r?.requests ?? 0,
          succeeded: r?.succeeded ?? 0,
          failed: r?.failed ?? 0,
          pending: r?.pending ?? 0,
          successRate: finished > 0 ? (r?.succeeded ?? 0) / finished : null,
          meanMs: r?.mean_ms ?? null,
          p95Ms: r?.p95_ms ?? null,
        };
      });
    },

    /** A supplier's product links (cost, priority, active), to change one of them. */
    async productLinks(_ctx: CoreContext, supplierId: string, opts?: TxOptions): Promise<LinkProductInput[]> {
      const rows = await (opts?.tx ?? db).productSupplier.findMany({ where: { supplierId } });
      return rows.map((l) => ({
        productId: l.productId,
        supplierId: l.supplierId,
        cost: l.cost,
        priority: l.priority,
        supplierSku: l.supplierSku,
        active: l.active,
      }));
    },

    /** Links (or re-links) a product to a supplier with its cost and priority. */
    async linkProduct(_ctx: CoreContext, input: LinkProductInput, opts?: TxOptions): Promise<void> {
      if (input.cost < 0n) throw invalidData("invalid_cost", "cost must not be negative");
      const priority = input.priority ?? 0;
      if (!Number.isInteger(priority)) throw invalidData("invalid_priority", "priority must be an integer");
      const client = opts?.tx ?? db;
      const supplier = await client.supplier.findUnique({ where: { id: input.supplierId }, select: { id: true } });
      if (!supplier) throw notFound("supplier_not_found", "no such supplier", { supplierId: input.supplierId });
      const data = {
        cost: input.cost,
        priority,
        supplierSku: input.supplierSku ?? null,
        active: input.active ?? true,
      };
      await client.productSupplier.upsert({
        where: { productId_supplierId: { productId: input.productId, supplierId: input.supplierId } },
        create: { productId: input.productId, supplierId: input.supplierId, ...data },
        update: data,
      });
    },

    /**
     * The suppliers to try for a product, best first: active links of active suppliers, circuit closed or
     * half-open, by cost then priority (routing.ts). Suppliers whose circuit is open are left out by default,
     * even when that leaves none: a last-resort fallback would send every order to a supplier known to be
     * down (each waiting for its timeout) exactly when the breaker should shed load. The cooldown is short
     * and the fulfil job retries with backoff, so an order with no candidate waits for the half-open window
     * (or is refunded by the orders flow after its deadline). A flow that prefers trying anyway passes
     * `includeOpen`.
     */
    async candidates(
      _ctx: CoreContext,
      productId: string,
      options: CandidatesOptions = {},
      opts?: SqlTxOptions,
    ): Promise<SupplierCandidate[]> {
      const exclude = new Set(options.exclude ?? []);
      const rows = await (opts?.tx ?? hot).query<CandidateRow>(candidatesSql(productId));
      const all: SupplierCandidate[] = rows
        .filter((r) => !exclude.has(r.supplierId))
        .map(({ consecutiveFailures, ...r }) => ({
          ...r,
          kind: r.kind as SupplierKind,
          circuit: breaker.state({ consecutiveFailures, circuitOpenUntil: r.circuitOpenUntil }),
        }));
      return rankCandidates(all, { includeOpen: options.includeOpen });
    },

    /** The request key for buying `orderId` from `supplierId`: deterministic, so every retry reuses it. */
    requestKey,

    /**
     * Places a purchase with an HTTP supplier, at most once per request key: the row is created first
     * (request_key UNIQUE), a final recorded outcome is returned without calling again, and a non-final
     * one is re-sent with the same key (the supplier dedupes). Records the outcome and the breaker result.
     * Makes a network call: never call it inside a transaction.
     */
    async place(_ctx: CoreContext, input: PlaceInput): Promise<SupplierOutcome> {
      checkPlaceInput(input);
      const supplier = await loadSupplier(input.supplierId);
      const client = connect(supplier);
      const row = await store.ensure(hot, { ...input, newId: newId() });
      if (row.orderId !== input.orderId || row.supplierId !== input.supplierId)
        throw conflict("request_key_conflict", "this request key belongs to another order or supplier");
      const done = store.finalOutcome(row);
      if (done) return done;
      const outcome = await client.place({
        requestKey: input.requestKey,
        sku: input.sku,
        quantity: input.quantity,
        target: input.target ?? null,
        callbackUrl: callbackUrlFor(supplier.code),
      });
      const recorded = await store.record(hot, input.requestKey, outcome);
      if (outcome.status === "failed") await breaker.recordFailure(hot, supplier.id);
      else await breaker.recordSuccess(hot, supplier.id, supplier);
      return recorded;
    },

    /**
     * The first attempt's request row (issue 15 §3), written by the caller's transaction — the one that
     * moves the order to FULFILLING naming this supplier — so that no request exists without its order
     * naming the supplier, and no order names a supplier it may have been sent to without its row.
     * Issued without waiting for it (it rides along with the caller's next statement).
     */
    async openRequest(
      _ctx: CoreContext,
      input: { requestKey: string; orderId: string; supplierId: string },
      opts: { tx: SqlTx },
    ): Promise<void> {
      checkPlaceInput(input);
      opts.tx.send(ensureRequestSql({ ...input, id: newId(), now: clock.now() }));
    },

    /**
     * Sends the purchase of a request opened by `openRequest` (committed) and answers the supplier's
     * outcome, recording nothing: a success is recorded by the delivery transaction (`recordSuccess`),
     * anything else by `recordOutcome`. The supplier's row (URL, secret) may come from this process's
     * cache. Makes a network call: never call it inside a transaction.
     */
    async send(_ctx: CoreContext, input: PlaceInput): Promise<SupplierOutcome> {
      checkPlaceInput(input);
      const supplier = await cachedSupplier(input.supplierId);
      return connect(supplier).place({
        requestKey: input.requestKey,
        sku: input.sku,
        quantity: input.quantity,
        target: input.target ?? null,
        callbackUrl: callbackUrlFor(supplier.code),
      });
    },

    /**
     * A success, recorded by the caller's delivery transaction (issued without waiting): the request row
     * (a recorded success stands) and the supplier's circuit closed (a statement that changes nothing
     * when it is already closed and clean).
     */
    async recordSuccess(
      _ctx: CoreContext,
      input: { supplierId: string; requestKey: string; outcome: SupplierSucceeded },
      opts: { tx: SqlTx },
    ): Promise<void> {
      opts.tx.send(store.recordSql(input.requestKey, input.outcome));
      opts.tx.send(closeCircuitSql(input.supplierId));
    },

    /** Records an outcome `send` answered (outside a transaction) and the breaker's count; what stands. */
    async recordOutcome(
      _ctx: CoreContext,
      input: { supplierId: string; requestKey: string; outcome: SupplierOutcome },
    ): Promise<SupplierOutcome> {
      const recorded = await store.record(hot, input.requestKey, input.outcome);
      if (input.outcome.status === "failed") await breaker.recordFailure(hot, input.supplierId);
      else await breaker.recordSuccess(hot, input.supplierId);
      return recorded;
    },

    /**
     * Asks the supplier what became of a request (after a timeout, or from the polling job) and records the
     * answer. A final recorded outcome is returned without a call. Makes a network call: not inside a tx.
     */
    async query(_ctx: CoreContext, input: QueryInput): Promise<SupplierOutcome> {
      const row = await store.find(hot, input.requestKey);
      if (!row || row.supplierId !== input.supplierId)
        throw notFound("supplier_request_not_found", "no such supplier request", { requestKey: input.requestKey });
      const done = store.finalOutcome(row);
      if (done) return done;
      const client = connect(await loadSupplier(input.supplierId));
      const outcome = await client.query(input.requestKey);
      return store.record(hot, input.requestKey, outcome);
    },

    /**
     * Authenticates a supplier's callback and records it. Throws `not_found` for an unknown supplier code or
     * request key (the latter only after the signature checked out), `unauthorized` for a missing, forged or
     * stale (> 5 min) signature, `invalid_data` for an unreadable body. Returns the outcome that stands
     * (a late callback never overturns a recorded success). Pass `tx` to apply it to the order atomically.
     */
    async verifyCallback(
      _ctx: CoreContext,
      input: VerifyCallbackInput,
      opts?: SqlTxOptions,
    ): Promise<VerifiedCallback> {
      const [supplier] = await (opts?.tx ?? hot).query<SupplierRow>(supplierByCodeSql(input.supplierCode));
      if (!supplier || supplier.kind !== "HTTP" || !supplier.secretEnc)
        throw notFound("supplier_not_found", "no such supplier");
      const check = verifySignature(secrets.decrypt(supplier.secretEnc), input.headers, input.rawBody, clock.now());
      if (!check.ok) throw unauthorized("bad_signature", `supplier callback signature ${check.reason}`);
      let json: unknown;
      try {
        json = JSON.parse(input.rawBody);
      } catch {
        throw invalidData("bad_callback", "callback body is not JSON");
      }
      const parsed = supplierAnswerSchema.safeParse(json);
      if (!parsed.success) throw invalidData("bad_callback", "callback body does not match the protocol");
      const requestKey = parsed.data.request_key;
      return inSqlTx(hot, opts, async (tx) => {
        const row = await store.find(tx, requestKey);
        if (!row || row.supplierId !== supplier.id)
          throw notFound("supplier_request_not_found", "no such supplier request", { requestKey });
        const outcome = await store.record(tx, requestKey, answerToOutcome(parsed.data));
        return { requestKey, orderId: row.orderId, supplierId: row.supplierId, outcome };
      });
    },

    /** Requests still PENDING (accepted, or outcome unknown) untouched for `olderThanMs`: the polling job's work. */
    async pendingRequests(
      _ctx: CoreContext,
      input: { olderThanMs: number; limit?: number },
      opts?: SqlTxOptions,
    ): Promise<PendingSupplierRequest[]> {
      return store.pending(opts?.tx ?? hot, input.olderThanMs, input.limit ?? 100);
    },
  };
}

export type Suppliers = ReturnType<typeof createSuppliers>;

/** `<orderId>.<supplierId>`: one request per order and supplier, stable across retries and processes. */
export function requestKey(orderId: string, supplierId: string): string {
  return `${orderId}.${supplierId}`;
}
