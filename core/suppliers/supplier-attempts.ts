import { sql, type SqlExecutor } from "../shared/index.ts";

/** One request of an order at a supplier, as staff see it (never its codes). */
export interface SupplierAttempt {
  orderId: string;
  supplierId: string;
  supplierCode: string;
  status: string;
  externalRef: string | null;
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = sql`r.order_id::text AS "orderId", r.supplier_id::text AS "supplierId", s.code AS "supplierCode",
  r.status, r.external_ref AS "externalRef", r.error, r.created_at AS "createdAt", r.updated_at AS "updatedAt"`;

/** An order's supplier requests, oldest first (the failover's order). */
export function attemptsForOrder(db: SqlExecutor, orderId: string): Promise<SupplierAttempt[]> {
  return db.query<SupplierAttempt>(sql`SELECT ${COLUMNS} FROM supplier_requests r JOIN suppliers s ON s.id = r.supplier_id
    WHERE r.order_id = ${orderId}::uuid ORDER BY r.created_at, r.id`);
}

/**
 * Requests a supplier's own reference names (what their support quotes), newest first. Not indexed: an
 * operator's occasional look-up.
 */
export function attemptsByExternalRef(db: SqlExecutor, externalRef: string, limit = 20): Promise<SupplierAttempt[]> {
  return db.query<SupplierAttempt>(sql`SELECT ${COLUMNS} FROM supplier_requests r JOIN suppliers s ON s.id = r.supplier_id
    WHERE r.external_ref = ${externalRef}::text ORDER BY r.created_at DESC LIMIT ${limit}::int`);
}
