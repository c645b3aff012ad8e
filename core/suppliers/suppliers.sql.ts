import { rowMap, selectList, sql } from "../shared/index.ts";
import type { PendingSupplierRequest } from "./types.ts";

/**
 * The statements of the suppliers module's hot paths (tables suppliers, product_suppliers,
 * supplier_requests): routing, the request store and the circuit breaker, run on the SqlRunner. Supplier
 * configuration (upsert, link, list) goes through Prisma's models in suppliers.service.ts.
 */

/** A supplier as read for a call: never handed out (its secret is encrypted, still). */
export interface SupplierRow {
  id: string;
  code: string;
  name: string;
  kind: string;
  baseUrl: string | null;
  secretEnc: string | null;
  active: boolean;
  consecutiveFailures: number;
  circuitOpenUntil: Date | null;
}

export const SUPPLIER_ROW = rowMap<SupplierRow>(
  "suppliers",
  {
    id: { column: "id", cast: "text" },
    code: { column: "code" },
    name: { column: "name" },
    kind: { column: "kind" },
    baseUrl: { column: "base_url" },
    secretEnc: { column: "secret_enc" },
    active: { column: "active" },
    consecutiveFailures: { column: "consecutive_failures" },
    circuitOpenUntil: { column: "circuit_open_until" },
  },
  ["created_at"],
);

/** One request at a supplier, as the store works with it. */
export interface SupplierRequestRow {
  requestKey: string;
  orderId: string;
  supplierId: string;
  status: string;
  result: unknown;
}

export const SUPPLIER_REQUEST_ROW = rowMap<SupplierRequestRow>(
  "supplier_requests",
  {
    requestKey: { column: "request_key" },
    orderId: { column: "order_id", cast: "text" },
    supplierId: { column: "supplier_id", cast: "text" },
    status: { column: "status" },
    result: { column: "result" },
  },
  ["id", "external_ref", "error", "created_at", "updated_at"],
);

export const PENDING_REQUEST_ROW = rowMap<PendingSupplierRequest>(
  "supplier_requests",
  {
    requestKey: { column: "request_key" },
    orderId: { column: "order_id", cast: "text" },
    supplierId: { column: "supplier_id", cast: "text" },
    lastError: { column: "error" },
    createdAt: { column: "created_at" },
    updatedAt: { column: "updated_at" },
  },
  ["id", "status", "external_ref", "result"],
);

const SUPPLIER_COLUMNS = selectList(SUPPLIER_ROW, "s");
const REQUEST_COLUMNS = selectList(SUPPLIER_REQUEST_ROW, "r");

export const supplierSql = (id: string) => sql`SELECT ${SUPPLIER_COLUMNS} FROM suppliers s WHERE s.id = ${id}::uuid`;

export const supplierByCodeSql = (code: string) =>
  sql`SELECT ${SUPPLIER_COLUMNS} FROM suppliers s WHERE s.code = ${code}::text`;

/** Active links of active suppliers for a product, with what the breaker needs (routing.ts ranks them). */
export const candidatesSql = (productId: string) => sql`
  SELECT s.id::text AS "supplierId", s.code, s.kind, l.cost, l.priority, l.supplier_sku AS "supplierSku",
         s.consecutive_failures AS "consecutiveFailures", s.circuit_open_until AS "circuitOpenUntil"
  FROM product_suppliers l JOIN suppliers s ON s.id = l.supplier_id
  WHERE l.product_id = ${productId}::uuid AND l.active AND s.active`;

// The request store (supplier-request-store.ts).

/** The PENDING row unless the key exists; else the existing row (when this statement's snapshot sees it). */
export const ensureRequestSql = (r: {
  id: string;
  requestKey: string;
  orderId: string;
  supplierId: string;
  now: Date;
}) => sql`
  WITH ins AS (
    INSERT INTO supplier_requests AS r (id, request_key, order_id, supplier_id, status, created_at, updated_at)
    VALUES (${r.id}::uuid, ${r.requestKey}::text, ${r.orderId}::uuid, ${r.supplierId}::uuid, 'PENDING',
            ${r.now}::timestamptz, ${r.now}::timestamptz)
    ON CONFLICT (request_key) DO NOTHING
    RETURNING ${REQUEST_COLUMNS}
  )
  SELECT * FROM ins
  UNION ALL
  SELECT ${REQUEST_COLUMNS} FROM supplier_requests r
  WHERE r.request_key = ${r.requestKey}::text AND NOT EXISTS (SELECT 1 FROM ins)`;

export const requestSql = (requestKey: string) =>
  sql`SELECT ${REQUEST_COLUMNS} FROM supplier_requests r WHERE r.request_key = ${requestKey}::text`;

/**
 * Records an outcome unless the recorded one stands: a success is never overturned, and a final failure
 * only by a success.
 */
export const recordOutcomeSql = (o: {
  requestKey: string;
  status: string;
  succeeded: boolean;
  externalRef: string | null;
  stored: string;
  error: string | null;
  now: Date;
}) => sql`
  UPDATE supplier_requests SET
    status = ${o.status}::text, external_ref = COALESCE(${o.externalRef}::text, external_ref),
    result = ${o.stored}::jsonb, error = ${o.error}::text, updated_at = ${o.now}::timestamptz
  WHERE request_key = ${o.requestKey}::text
    AND status <> 'SUCCEEDED'
    AND NOT (${!o.succeeded}::boolean AND status = 'FAILED'
             AND (result->>'retryable')::boolean IS FALSE AND (result->>'unknown')::boolean IS FALSE)`;

/** Touches the row (its outcome stands) and reads it back. */
export const touchRequestSql = (requestKey: string, now: Date) => sql`
  UPDATE supplier_requests r SET updated_at = ${now}::timestamptz WHERE r.request_key = ${requestKey}::text
  RETURNING ${REQUEST_COLUMNS}`;

/** Requests still PENDING untouched since `before`, oldest first (index supplier_requests(status, updated_at)). */
export const pendingRequestsSql = (before: Date, limit: number) => sql`
  SELECT ${selectList(PENDING_REQUEST_ROW, "r")} FROM supplier_requests r
  WHERE r.status = 'PENDING' AND r.updated_at <= ${before}::timestamptz ORDER BY r.updated_at LIMIT ${limit}::int`;

// The circuit breaker (circuit-breaker.ts): each update one atomic statement.

export const closeCircuitSql = (supplierId: string) => sql`
  UPDATE suppliers SET consecutive_failures = 0, circuit_open_until = NULL
  WHERE id = ${supplierId}::uuid AND (consecutive_failures <> 0 OR circuit_open_until IS NOT NULL)`;

/** Counts a failure; the right-hand sides see the row before the update, hence `+ 1`. */
export const countFailureSql = (supplierId: string, failureThreshold: number, openUntil: Date) => sql`
  UPDATE suppliers SET
    consecutive_failures = consecutive_failures + 1,
    circuit_open_until = CASE
      WHEN consecutive_failures + 1 >= ${failureThreshold}::int THEN ${openUntil}::timestamptz
      ELSE circuit_open_until END
  WHERE id = ${supplierId}::uuid`;
