import { empty, selectList, sql, type SqlExecutor } from "../shared/index.ts";
import { NUMBERED_ORDER_ROW } from "./order-reads.ts";
import { ORDER_ROW } from "./order-store.ts";
import type { NumberedOrder, Order } from "./types.ts";

/*
 * 补单: the queue of a product's AWAITING_STOCK orders, oldest payment first (index
 * orders_awaiting_stock_idx). Whoever gives a backorder product's stock to an order — a placement, the
 * fulfil job, the fill after an import — first takes the product's queue lock (a transaction-scoped
 * advisory lock), so a new buyer never overtakes a waiting one and a waiting order is filled once.
 */

const COLS = selectList(ORDER_ROW, null);
const NUMBERED = selectList(NUMBERED_ORDER_ROW, null);

export interface BackorderQueue {
  /**
   * Takes the product's queue lock until the transaction ends, then says whether orders other than
   * `exceptOrderId` wait (read after the lock is granted: a statement of its own, with a new snapshot).
   */
  lock(tx: SqlExecutor, productId: string, exceptOrderId?: string): Promise<{ waiting: boolean }>;
  /**
   * The product's oldest waiting order, locked (call under the queue lock). One locked by a refund or a
   * re-route (leaving the queue) is skipped rather than waited for: waiting, FOR UPDATE … LIMIT 1 could
   * answer nothing once it had left, and the fill would stop with orders still waiting.
   */
  oldest(tx: SqlExecutor, productId: string): Promise<Order | null>;
  /** Waiting orders (oldest first), for people: all products or one. */
  list(db: SqlExecutor, opts?: { productId?: string; limit?: number }): Promise<NumberedOrder[]>;
  /** Products with waiting orders. */
  products(db: SqlExecutor): Promise<string[]>;
  /** Orders waiting since before `paidBefore`, oldest first. */
  overdue(db: SqlExecutor, paidBefore: Date, limit: number): Promise<Array<{ id: string }>>;
}

export function createBackorderQueue(): BackorderQueue {
  return {
    async lock(tx, productId, exceptOrderId) {
      // Two statements: a snapshot taken before the lock was granted could miss a waiting order that
      // committed while this one waited for it.
      await tx.query(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`backorders:${productId}`}::text, 0))`);
      const [row] = await tx.query<{ waiting: boolean }>(sql`SELECT EXISTS (SELECT 1 FROM orders
        WHERE product_id = ${productId}::uuid AND status = 'AWAITING_STOCK'
        ${exceptOrderId ? sql`AND id <> ${exceptOrderId}::uuid` : empty}) AS waiting`);
      return { waiting: row?.waiting ?? false };
    },

    async oldest(tx, productId) {
      const rows = await tx.query<Order>(sql`SELECT ${COLS} FROM orders
        WHERE product_id = ${productId}::uuid AND status = 'AWAITING_STOCK'
        ORDER BY paid_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`);
      return rows[0] ?? null;
    },

    async list(db, opts = {}) {
      const limit = Math.min(Math.max(opts.limit ?? 50, 1), 500);
      return db.query<NumberedOrder>(sql`SELECT ${NUMBERED} FROM orders WHERE status = 'AWAITING_STOCK'
        ${opts.productId ? sql`AND product_id = ${opts.productId}::uuid` : empty}
        ORDER BY paid_at, id LIMIT ${limit}::int`);
    },

    async products(db) {
      const rows = await db.query<{ product_id: string }>(
        sql`SELECT DISTINCT product_id::text AS product_id FROM orders WHERE status = 'AWAITING_STOCK'`,
      );
      return rows.map((r) => r.product_id);
    },

    async overdue(db, paidBefore, limit) {
      return db.query<{ id: string }>(sql`SELECT id::text AS id FROM orders
        WHERE status = 'AWAITING_STOCK' AND paid_at <= ${paidBefore}::timestamptz
        ORDER BY paid_at, id LIMIT ${limit}::int`);
    },
  };
}
