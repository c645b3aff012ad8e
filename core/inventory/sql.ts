import { empty, invalidData, sql, type Sql, type SqlExecutor } from "../shared/index.ts";

/**
 * Every statement of the inventory (tables codes, code_batches, order_codes, restock_subscriptions).
 * Claims, releases, sales, reveals, supplier codes, counts and restock alerts run on the SqlRunner (in the
 * order's transaction); the stock report runs through Prisma (`prismaExecutor`), which keeps the batch
 * bookkeeping (docs/data-access.md), and so do the import's chunks inside a caller's Prisma transaction
 * (on the SqlRunner otherwise). Each parameter is cast: statements are
 * prepared once per connection and planned without their values.
 */

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function assertUuid(value: string, field: string): void {
  if (typeof value !== "string" || !UUID_RE.test(value)) throw invalidData("invalid_id", `${field} must be a UUID`);
}

/**
 * Codes a claim could take at `now`: AVAILABLE and not past their expiry — written so the partial index
 * `codes_sellable_idx` (product_id, COALESCE(expires_at, 'infinity'), id) serves it with a range
 * condition (expired codes are skipped, not filtered). Use with `product_id = …` in the same WHERE.
 */
export const sellableAt = (now: Date) =>
  sql`status = 'AVAILABLE' AND COALESCE(expires_at, 'infinity'::timestamptz) > ${now}::timestamptz`;

/**
 * The claim order: soonest-expiring first, then oldest. Only `codes_sellable_idx` provides it, so a
 * generic plan cannot walk the primary key instead (it did with `ORDER BY id` once `codes` was analyzed).
 */
export const SELLABLE_ORDER = sql`COALESCE(expires_at, 'infinity'::timestamptz), id`;

/** Codes a claim could take now: AVAILABLE and not past their expiry. */
export async function countAvailable(client: SqlExecutor, productId: string, now: Date): Promise<number> {
  const [row] = await client.query<{ n: number }>(sql`
    SELECT count(*)::int AS n FROM codes WHERE product_id = ${productId}::uuid AND ${sellableAt(now)}`);
  return row?.n ?? 0;
}

// Claims, releases, sales.

/** A row once the order holds codes (claimed in this transaction or before). */
export const claimedSql = (orderId: string) => sql`SELECT 1 FROM order_codes WHERE order_id = ${orderId}::uuid LIMIT 1`;

export const heldCodesSql = (orderId: string) => sql`
  SELECT id, product_id::text AS product_id FROM codes
  WHERE order_id = ${orderId}::uuid AND status IN ('RESERVED', 'SOLD') ORDER BY id`;

/** See code-claim.ts `claim`: one statement that reserves (or sells) exactly `quantity` codes, or none. */
export const claimSql = (c: {
  productId: string;
  orderId: string;
  quantity: number;
  now: Date;
  sell: boolean;
  failIfShort: boolean;
  shortReason: string;
}) => sql`
  WITH picked AS (
    SELECT id FROM codes
    WHERE product_id = ${c.productId}::uuid AND ${sellableAt(c.now)}
    ORDER BY ${SELLABLE_ORDER}
    LIMIT ${c.quantity}::int
    FOR UPDATE SKIP LOCKED
  ), enough AS (
    SELECT count(*)::int AS n FROM picked
  ), taken AS (
    UPDATE codes c SET status = ${c.sell ? "SOLD" : "RESERVED"}::text, order_id = ${c.orderId}::uuid,
      reserved_at = ${c.now}::timestamptz, sold_at = ${c.sell ? c.now : null}::timestamptz
    FROM enough
    WHERE enough.n = ${c.quantity}::int AND c.id IN (SELECT id FROM picked)
    RETURNING c.id, c.code_enc, c.password_enc
  ), linked AS (
    INSERT INTO order_codes (order_id, code_id, position)
    SELECT ${c.orderId}::uuid, id, (row_number() OVER (ORDER BY id))::int FROM taken
    RETURNING code_id
  )
  SELECT CASE WHEN ${c.failIfShort}::boolean AND (SELECT n FROM enough) < ${c.quantity}::int
           THEN kameng_fail(${c.shortReason}::text, (SELECT n FROM enough)::text) END AS short,
         (SELECT n FROM enough) AS picked,
         COALESCE((SELECT array_agg(code_id ORDER BY code_id) FROM linked), '{}') AS ids,
         CASE WHEN ${c.sell}::boolean
           THEN (SELECT array_agg(x ORDER BY id, k) FROM taken,
                 LATERAL (VALUES (0, code_enc), (1, password_enc)) AS v(k, x))
         END AS enc`;

export const releaseSql = (orderId: string) => sql`
  WITH freed AS (
    UPDATE codes SET status = 'AVAILABLE', order_id = NULL, reserved_at = NULL
    WHERE order_id = ${orderId}::uuid AND status = 'RESERVED'
    RETURNING id
  ), unlinked AS (
    DELETE FROM order_codes WHERE order_id = ${orderId}::uuid AND code_id IN (SELECT id FROM freed)
  )
  SELECT count(*)::int AS n FROM freed`;

export const markSoldSql = (orderId: string, now: Date) => sql`
  UPDATE codes SET status = 'SOLD', sold_at = ${now}::timestamptz
  WHERE order_id = ${orderId}::uuid AND status = 'RESERVED'`;

/** A delivered order refunded: its SOLD codes are burned (never sold again, never counted as stock). */
export const burnSoldSql = (orderId: string) => sql`
  UPDATE codes SET status = 'BURNED' WHERE order_id = ${orderId}::uuid AND status = 'SOLD'`;

// Codes a supplier returned for an order.

export const codesByHashSql = (hashes: string[]) => sql`
  SELECT id, code_hash, order_id::text AS order_id FROM codes WHERE code_hash = ANY(${hashes}::text[])`;

export const insertSupplierBatchSql = (b: {
  batchId: string;
  productId: string;
  source: string;
  imported: number;
  now: Date;
}) => sql`
  INSERT INTO code_batches (id, product_id, source, imported, created_at)
  VALUES (${b.batchId}::uuid, ${b.productId}::uuid, ${b.source}::text, ${b.imported}::int, ${b.now}::timestamptz)`;

/** The codes as SOLD rows of the batch, linked to the order after any codes it already has. */
export const insertSupplierCodesSql = (s: {
  productId: string;
  batchId: string;
  orderId: string;
  hashes: string[];
  codes: string[];
  passwords: Array<string | null>;
  now: Date;
}) => sql`
  WITH ins AS (
    INSERT INTO codes (product_id, batch_id, code_hash, code_enc, password_enc, status, order_id, sold_at, created_at)
    SELECT ${s.productId}::uuid, ${s.batchId}::uuid, t.h, t.c, t.p, 'SOLD', ${s.orderId}::uuid, ${s.now}::timestamptz,
           ${s.now}::timestamptz
    FROM unnest(${s.hashes}::text[], ${s.codes}::text[], ${s.passwords}::text[]) WITH ORDINALITY AS t(h, c, p, ord)
    ORDER BY t.ord
    RETURNING id
  ), base AS (
    SELECT COALESCE(max(position), 0) AS p FROM order_codes WHERE order_id = ${s.orderId}::uuid
  )
  INSERT INTO order_codes (order_id, code_id, position)
  SELECT ${s.orderId}::uuid, ins.id, (base.p + row_number() OVER (ORDER BY ins.id))::int FROM ins, base
  RETURNING code_id AS id`;

/** The order's SOLD codes, encrypted, in delivery order. */
export const soldCodesSql = (orderId: string) => sql`
  SELECT c.code_enc, c.password_enc
  FROM order_codes oc JOIN codes c ON c.id = oc.code_id
  WHERE oc.order_id = ${orderId}::uuid AND c.order_id = ${orderId}::uuid AND c.status = 'SOLD'
  ORDER BY oc.position`;

/** The order's codes with their status, for staff (masked by the caller: never shown whole). */
export const orderCodesForStaffSql = (orderId: string) => sql`
  SELECT c.code_enc, c.code_hash, c.status
  FROM order_codes oc JOIN codes c ON c.id = oc.code_id
  WHERE oc.order_id = ${orderId}::uuid
  ORDER BY oc.position`;

// Imports (on the SqlRunner, or in a caller's Prisma transaction: see the header).

/**
 * One chunk of an import, and the batch's counters bumped by what it inserted, skipped and rejected.
 * Answers how many rows it inserted and the first id it gave (ids of one statement are above those of
 * every statement before it): a chunk that inserted them all (the usual case) needs no more, and
 * `skippedCodesSql` names the others when some were skipped.
 */
export const insertCodesChunkSql = (c: {
  productId: string;
  batchId: string;
  now: Date;
  hashes: string[];
  codes: string[];
  passwords: Array<string | null>;
  expiries: Array<Date | null>;
  duplicates: number;
  rejected: number;
}) => sql`
  WITH ins AS (
    INSERT INTO codes (product_id, batch_id, code_hash, code_enc, password_enc, expires_at, status, created_at)
    SELECT ${c.productId}::uuid, ${c.batchId}::uuid, t.h, t.c, t.p, t.e, 'AVAILABLE', ${c.now}::timestamptz
    FROM unnest(${c.hashes}::text[], ${c.codes}::text[], ${c.passwords}::text[], ${c.expiries}::timestamptz[])
      AS t(h, c, p, e)
    ON CONFLICT (code_hash) DO NOTHING
    RETURNING id
  ), n AS (
    SELECT count(*)::int AS inserted, min(id) AS first_id FROM ins
  )
  UPDATE code_batches b
  SET imported = b.imported + n.inserted,
      duplicate = b.duplicate + ${c.hashes.length + c.duplicates}::int - n.inserted,
      rejected = b.rejected + ${c.rejected}::int
  FROM n
  WHERE b.id = ${c.batchId}::uuid
  RETURNING n.inserted, n.first_id`;

/**
 * The positions (1-based) of a chunk's hashes that its INSERT skipped, and whether the code is one of
 * this batch's (an earlier line of the same file) or was in stock before. A position was inserted
 * exactly when this batch holds its hash under an id from that INSERT (≥ `firstId`; null: it inserted
 * nothing); a chunk never holds one hash twice. ON CONFLICT waits for a concurrent insert of the same
 * code to commit or abort, so a skipped code's row is there to be read.
 */
export const skippedCodesSql = (batchId: string, hashes: string[], firstId: bigint | null) => sql`
  SELECT t.n::int AS n, COALESCE(c.batch_id = ${batchId}::uuid, false) AS "inFile"
  FROM unnest(${hashes}::text[]) WITH ORDINALITY AS t(h, n)
  LEFT JOIN codes c ON c.code_hash = t.h
  WHERE c.id IS NULL OR c.batch_id <> ${batchId}::uuid
     OR c.id < COALESCE(${firstId}::int8, 9223372036854775807)
  ORDER BY t.n`;

// Counts and reports.

/** Codes per product, batch and bucket (the operators' stock report: reads every code). */
export const stockCountsSql = (productId: string | null, now: Date) => sql`
  SELECT product_id::text AS product_id, batch_id::text AS batch_id,
         CASE
           WHEN status = 'EXPIRED' OR (status = 'AVAILABLE' AND expires_at <= ${now}::timestamptz) THEN 'expired'
           WHEN status = 'AVAILABLE' THEN 'available'
           WHEN status = 'RESERVED' THEN 'reserved'
           WHEN status = 'VOID' THEN 'voided'
           ELSE 'sold'
         END AS bucket,
         count(*)::int AS n
  FROM codes
  WHERE ${productId}::uuid IS NULL OR product_id = ${productId}::uuid
  GROUP BY 1, 2, 3`;

/** Sellable codes per product; two statements, not `($1 IS NULL OR …)`: a generic plan cannot use the index for that. */
export function availableCountsSql(productIds: string[] | null, now: Date): Sql {
  const products = productIds ? sql`AND product_id = ANY(${productIds}::uuid[])` : empty;
  return sql`
    SELECT product_id::text AS product_id, count(*)::int AS n FROM codes
    WHERE ${sellableAt(now)} ${products}
    GROUP BY product_id`;
}

export const expireCodesSql = (now: Date) => sql`
  UPDATE codes SET status = 'EXPIRED' WHERE status = 'AVAILABLE' AND expires_at <= ${now}::timestamptz`;

// Restock alerts.

export const subscribeRestockSql = (s: { userId: string; productId: string; channel: string; now: Date }) => sql`
  INSERT INTO restock_subscriptions (user_id, product_id, channel, created_at)
  VALUES (${s.userId}::uuid, ${s.productId}::uuid, ${s.channel}::text, ${s.now}::timestamptz)
  ON CONFLICT (user_id, product_id) DO UPDATE SET channel = EXCLUDED.channel, notified_at = NULL
  RETURNING (xmax = 0) AS created`;

export const unsubscribeRestockSql = (userId: string, productId: string) => sql`
  DELETE FROM restock_subscriptions WHERE user_id = ${userId}::uuid AND product_id = ${productId}::uuid`;

/** The oldest subscribers not yet notified, marked notified by the same statement. */
export const dueRestockSql = (productId: string, limit: number, now: Date) => sql`
  UPDATE restock_subscriptions s SET notified_at = ${now}::timestamptz
  FROM (
    SELECT user_id, product_id FROM restock_subscriptions
    WHERE product_id = ${productId}::uuid AND notified_at IS NULL
    ORDER BY created_at, user_id
    LIMIT ${limit}::int
    FOR UPDATE SKIP LOCKED
  ) due
  WHERE s.user_id = due.user_id AND s.product_id = due.product_id
  RETURNING s.user_id::text AS "userId", s.channel`;

/**
 * Voids a batch: its AVAILABLE codes become VOID (never claimed again; codes already reserved or sold keep
 * their order). Returns how many, per product (one row: a batch is one product's).
 */
export const voidBatchSql = (batchId: string) => sql`
  UPDATE codes SET status = 'VOID'
  WHERE batch_id = ${batchId}::uuid AND status = 'AVAILABLE'
  RETURNING product_id::text AS product_id`;
