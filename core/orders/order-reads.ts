import { empty, rowMap, selectList, sql, type SqlExecutor } from "../shared/index.ts";
import { ORDER_ROW } from "./order-store.ts";
import type { NumberedOrder } from "./types.ts";

/*
 * The orders module's reads for people (buyers' order lists, the API's GETs, operators): orders with
 * their number. The hot path's statements (the order store) leave the number out, so placing and
 * delivering an order send what they sent before order numbers existed.
 */

export const NUMBERED_ORDER_ROW = rowMap<NumberedOrder>("orders", {
  ...ORDER_ROW.columns,
  number: { column: "number" },
});

const COLS = selectList(NUMBERED_ORDER_ROW, null);

export interface OrderReads {
  get(db: SqlExecutor, orderId: string): Promise<NumberedOrder | null>;
  /** `number` in its stored form (`parseOrderRef` gives it). */
  byNumber(db: SqlExecutor, number: string): Promise<NumberedOrder | null>;
  /** Newest first; `before` (+ `beforeId` to break ties on created_at) continues after a page's last order. */
  listForUser(
    db: SqlExecutor,
    userId: string,
    opts?: { limit?: number; before?: Date; beforeId?: string },
  ): Promise<NumberedOrder[]>;
  /**
   * Orders sent to any of `targets` (a phone number or game account), newest first: operators finding a
   * buyer. Not indexed (an operator's occasional look-up; an index would slow every DIRECT order's insert).
   */
  byTargets(db: SqlExecutor, targets: string[], limit: number): Promise<NumberedOrder[]>;
}

const clamp = (n: number | undefined, dflt: number) => Math.min(Math.max(n ?? dflt, 1), 100);

export function createOrderReads(): OrderReads {
  return {
    async get(db, orderId) {
      return (await db.query<NumberedOrder>(sql`SELECT ${COLS} FROM orders WHERE id = ${orderId}::uuid`))[0] ?? null;
    },

    async byNumber(db, number) {
      return (await db.query<NumberedOrder>(sql`SELECT ${COLS} FROM orders WHERE number = ${number}::text`))[0] ?? null;
    },

    async listForUser(db, userId, opts = {}) {
      const limit = clamp(opts.limit, 20);
      const before = !opts.before
        ? empty
        : opts.beforeId
          ? sql`AND (created_at, id) < (${opts.before}::timestamptz, ${opts.beforeId}::uuid)`
          : sql`AND created_at < ${opts.before}::timestamptz`;
      return db.query<NumberedOrder>(sql`SELECT ${COLS} FROM orders WHERE user_id = ${userId}::uuid ${before}
        ORDER BY created_at DESC, id DESC LIMIT ${limit}::int`);
    },

    async byTargets(db, targets, limit) {
      return db.query<NumberedOrder>(sql`SELECT ${COLS} FROM orders WHERE target = ANY(${targets}::text[])
        ORDER BY created_at DESC, id DESC LIMIT ${clamp(limit, 20)}::int`);
    },
  };
}
