import { Prisma } from "../../prisma/generated/client.ts";
import { invalidData, isPipelining, type Clock, type Db, type DbOrTx, type Tx } from "../shared/index.ts";
import { eventTypeFor, isValidPath, type OrderStatus } from "./order-states.ts";
import type { NewOrder, Order, OrderEventRow, OrderPatch } from "./types.ts";

/** Every column, aliased to the `Order` shape. */
const COLS = Prisma.raw(`id::text AS "id", user_id::text AS "userId", idempotency_key AS "idempotencyKey",
  request_hash AS "requestHash", channel, product_id::text AS "productId", quantity, unit_price AS "unitPrice", total,
  currency, target, status, payment_tx_id::text AS "paymentTxId", settle_tx_id::text AS "settleTxId",
  refund_tx_id::text AS "refundTxId", supplier_id::text AS "supplierId", cost_total AS "costTotal",
  failure_reason AS "failureReason", expires_at AS "expiresAt", paid_at AS "paidAt", delivered_at AS "deliveredAt",
  closed_at AS "closedAt", created_at AS "createdAt", updated_at AS "updatedAt"`);

const PATCH_COLUMNS: Record<keyof OrderPatch, { column: string; cast: string }> = {
  paymentTxId: { column: "payment_tx_id", cast: "uuid" },
  settleTxId: { column: "settle_tx_id", cast: "uuid" },
  refundTxId: { column: "refund_tx_id", cast: "uuid" },
  supplierId: { column: "supplier_id", cast: "uuid" },
  costTotal: { column: "cost_total", cast: "bigint" },
  failureReason: { column: "failure_reason", cast: "text" },
  paidAt: { column: "paid_at", cast: "timestamptz" },
  deliveredAt: { column: "delivered_at", cast: "timestamptz" },
  closedAt: { column: "closed_at", cast: "timestamptz" },
};

export interface TransitionInput {
  orderId: string;
  /**
   * The allowed path, e.g. `["PAID", "FULFILLING", "DELIVERED"]`. Each step must be in the transition
   * table. The order may currently be at any status of the path but the last; the change is applied
   * only if it is (one conditional UPDATE), and each step taken is written to `order_events`.
   */
  path: readonly OrderStatus[];
  reason?: string;
  set?: OrderPatch;
  /** Extra fields for the outbox event's payload (always has orderId, userId, status). */
  eventPayload?: Record<string, string | number | boolean | null>;
}

/** `kameng_fail` reason of an insert that did not happen (see OrderStore.insert). */
export const ORDER_NOT_INSERTED = "order_not_inserted";

/** `kameng_fail` reason of a final (`last`) transition whose order was not at a status its path starts from. */
export const ORDER_NOT_AT_STATUS = "order_not_at_status";

export interface InsertOptions {
  emitCreated?: boolean;
  productVersion?: number;
  /**
   * The order is paid, settled and delivered by the same transaction (a stock order paid from the
   * wallet): it is written DELIVERED at once, with every step in its history and `order.delivered` in
   * the outbox — the same rows a CREATED → … → DELIVERED transition leaves, without updating the row.
   */
  delivered?: { settleTxId: string | null; supplierId?: string | null; costTotal?: bigint | null };
}

export interface OrderStore {
  /**
   * Inserts a CREATED order unless (userId, idempotencyKey) exists. `productVersion`: only if the
   * product is still at that version, active, in an active category (the order was priced from a
   * cached read). Not inserted → the statement fails with `kameng_fail('order_not_inserted')`, so the
   * statements the caller issued behind it (without waiting) do not run.
   */
  insert(tx: Tx, order: NewOrder, opts?: InsertOptions): Promise<Order>;
  /** Applies a transition path; null when the order is not at a status the path starts from. */
  transition(db: DbOrTx, input: TransitionInput): Promise<Order | null>;
  /**
   * The transition as the transaction's final statement: a runner that can send it together with
   * COMMIT (app/pg-raw-sql.ts) does, so locks taken earlier are released one round trip sooner. An
   * order not at a status the path starts from fails the statement (`kameng_fail('order_not_at_status')`),
   * so nothing before it commits.
   */
  finalTransition(tx: Tx, input: TransitionInput): Promise<Order>;
  /**
   * Failover: a FULFILLING order moves from the supplier that failed for good to the next one, only if
   * it still names `from` (so two runs cannot both switch). Audited as a FULFILLING → FULFILLING event.
   */
  switchSupplier(db: DbOrTx, orderId: string, from: string | null, to: string): Promise<Order | null>;
  get(db: DbOrTx, orderId: string): Promise<Order | null>;
  getForUpdate(tx: Tx, orderId: string): Promise<Order | null>;
  findByIdempotencyKey(db: DbOrTx, userId: string, idempotencyKey: string): Promise<Order | null>;
  /** Newest first; `before` (+ `beforeId` to break ties on created_at) continues after a page's last order. */
  listForUser(
    db: DbOrTx,
    userId: string,
    opts?: { limit?: number; before?: Date; beforeId?: string },
  ): Promise<Order[]>;
  events(db: DbOrTx, orderId: string): Promise<OrderEventRow[]>;
  /** CREATED orders whose payment window has closed. */
  dueForExpiry(db: DbOrTx, limit: number): Promise<Array<{ id: string }>>;
  /** PAID or FULFILLING orders untouched for `olderThanMs` (their job may have been lost). */
  stuck(db: DbOrTx, olderThanMs: number, limit: number): Promise<Array<{ id: string; status: OrderStatus }>>;
  countByStatus(db: DbOrTx): Promise<Record<string, number>>;
}

/**
 * The statement's result: the row `cte` wrote, or — when it wrote none — a `kameng_fail(reason)` that
 * aborts the transaction. (Checked in WHERE, which is always evaluated: PostgreSQL skips an unreferenced
 * column of a CTE, so a guard there would never run.)
 */
function mustMatch(reason: string, cte: "ins" | "u"): Prisma.Sql {
  return Prisma.sql`SELECT ${COLS} FROM (SELECT 1) AS one LEFT JOIN ${Prisma.raw(cte)} ON true
    WHERE CASE WHEN ${Prisma.raw(cte)}.id IS NULL THEN kameng_fail(${reason}) = 0 ELSE true END`;
}

export function createOrderStore({ clock }: { db: Db; clock: Clock }): OrderStore {
  const one = (rows: Order[]) => rows[0] ?? null;

  /** One conditional UPDATE with its history rows and outbox event; `final`: see finalTransition. */
  function transitionSql(input: TransitionInput, final: boolean): Prisma.Sql {
    const { path } = input;
    if (!isValidPath(path)) throw invalidData("invalid_transition", `not an order transition: ${path.join(" → ")}`);
    const now = clock.now();
    const to = path[path.length - 1]!;
    const froms = path.slice(0, -1);
    const tos = path.slice(1);
    const sets: Prisma.Sql[] = [Prisma.sql`status = ${to}`, Prisma.sql`updated_at = ${now}::timestamptz`];
    for (const [k, v] of Object.entries(input.set ?? {}) as Array<[keyof OrderPatch, unknown]>) {
      if (v === undefined) continue;
      const c = PATCH_COLUMNS[k];
      sets.push(Prisma.sql`${Prisma.raw(c.column)} = ${v}::${Prisma.raw(c.cast)}`);
    }
    const extra = JSON.stringify(input.eventPayload ?? {});
    // A final transition that matched nothing must not commit what came before it.
    const tail = final ? mustMatch(ORDER_NOT_AT_STATUS, "u") : Prisma.sql`SELECT ${COLS} FROM u`;
    return Prisma.sql`
      WITH cur AS (
        SELECT id, status AS prev FROM orders WHERE id = ${input.orderId}::uuid AND status = ANY(${froms}::text[]) FOR UPDATE),
      u AS (
        UPDATE orders o SET ${Prisma.join(sets, ", ")} FROM cur WHERE o.id = cur.id
        RETURNING o.*, cur.prev),
      ev AS (
        INSERT INTO order_events (order_id, from_status, to_status, reason, created_at)
        SELECT u.id, s.f, s.t, ${input.reason ?? null}, ${now}::timestamptz
        FROM u, unnest(${froms}::text[], ${tos}::text[]) WITH ORDINALITY AS s(f, t, i)
        WHERE s.i >= array_position(${froms}::text[], u.prev)),
      ob AS (
        INSERT INTO outbox_events (type, payload, created_at)
        SELECT ${eventTypeFor(to)}, jsonb_build_object('orderId', u.id::text, 'userId', u.user_id::text, 'status', u.status,
          'from', u.prev, 'productId', u.product_id::text, 'total', u.total::text, 'currency', u.currency,
          'channel', u.channel) || ${extra}::jsonb, ${now}::timestamptz
        FROM u)
      ${tail}`;
  }

  return {
    async insert(tx, o, opts = {}) {
      const now = clock.now();
      const d = opts.delivered;
      // A delivered order's history still records every step it went through.
      const path = d ? ["CREATED", "PAID", "FULFILLING", "DELIVERED"] : ["CREATED"];
      const outbox = d
        ? Prisma.sql`, ob AS (INSERT INTO outbox_events (type, payload, created_at)
            SELECT 'order.delivered', jsonb_build_object('orderId', id::text, 'userId', user_id::text, 'status', status,
              'from', 'CREATED', 'productId', product_id::text, 'total', total::text, 'currency', currency,
              'channel', channel), ${now}::timestamptz FROM ins)`
        : opts.emitCreated
          ? Prisma.sql`, ob AS (INSERT INTO outbox_events (type, payload, created_at)
            SELECT 'order.created', jsonb_build_object('orderId', id::text, 'userId', user_id::text, 'status', 'CREATED',
              'productId', product_id::text, 'total', total::text, 'currency', currency, 'channel', channel), ${now}::timestamptz FROM ins)`
          : Prisma.empty;
      const onSale =
        opts.productVersion === undefined
          ? Prisma.sql`SELECT 1`
          : Prisma.sql`SELECT 1 FROM products p JOIN categories c ON c.id = p.category_id
              WHERE p.id = ${o.productId}::uuid AND p.version = ${opts.productVersion}::int AND p.active AND c.active`;
      const rows = await tx.$queryRaw<Order[]>`
        WITH g AS (${onSale}),
        ins AS (
          INSERT INTO orders (id, user_id, idempotency_key, request_hash, channel, product_id, quantity, unit_price, total,
                              currency, target, status, expires_at, created_at, updated_at,
                              payment_tx_id, settle_tx_id, supplier_id, cost_total, paid_at, delivered_at)
          SELECT ${o.id}::uuid, ${o.userId}::uuid, ${o.idempotencyKey}, ${o.requestHash}, ${o.channel}, ${o.productId}::uuid,
                  ${o.quantity}::int, ${o.unitPrice}::bigint, ${o.total}::bigint, ${o.currency}, ${o.target}, ${path.at(-1)},
                  ${o.expiresAt}::timestamptz, ${now}::timestamptz, ${now}::timestamptz,
                  ${d?.settleTxId ?? null}::uuid, ${d?.settleTxId ?? null}::uuid, ${d?.supplierId ?? null}::uuid,
                  ${d?.costTotal ?? null}::bigint, ${d ? now : null}::timestamptz, ${d ? now : null}::timestamptz
          FROM g
          ON CONFLICT (user_id, idempotency_key) DO NOTHING
          RETURNING *),
        ev AS (INSERT INTO order_events (order_id, from_status, to_status, created_at)
               SELECT ins.id, s.f, s.t, ${now}::timestamptz
               FROM ins, unnest(ARRAY[NULL]::text[] || ${path.slice(0, -1)}::text[], ${path}::text[]) WITH ORDINALITY AS s(f, t, i)
               ORDER BY s.i)
        ${outbox}
        ${mustMatch(ORDER_NOT_INSERTED, "ins")}`;
      return rows[0]!;
    },

    async transition(db, input) {
      return one(await db.$queryRaw<Order[]>(transitionSql(input, false)));
    },

    async finalTransition(tx, input) {
      const sql = transitionSql(input, true);
      const rows = (isPipelining(tx) ? await tx.$queryRawAndCommit(sql) : await tx.$queryRaw<Order[]>(sql)) as Order[];
      return rows[0]!;
    },

    async switchSupplier(db, orderId, from, to) {
      const now = clock.now();
      const rows = await db.$queryRaw<Order[]>`
        WITH u AS (
          UPDATE orders SET supplier_id = ${to}::uuid, updated_at = ${now}::timestamptz
          WHERE id = ${orderId}::uuid AND status = 'FULFILLING' AND supplier_id IS NOT DISTINCT FROM ${from}::uuid
          RETURNING *),
        ev AS (
          INSERT INTO order_events (order_id, from_status, to_status, reason, created_at)
          SELECT id, 'FULFILLING', 'FULFILLING', ${`failover to supplier ${to}`}, ${now}::timestamptz FROM u)
        SELECT ${COLS} FROM u`;
      return one(rows);
    },

    async get(db, orderId) {
      return one(await db.$queryRaw<Order[]>`SELECT ${COLS} FROM orders WHERE id = ${orderId}::uuid`);
    },

    async getForUpdate(tx, orderId) {
      return one(await tx.$queryRaw<Order[]>`SELECT ${COLS} FROM orders WHERE id = ${orderId}::uuid FOR UPDATE`);
    },

    async findByIdempotencyKey(db, userId, key) {
      return one(
        await db.$queryRaw<
          Order[]
        >`SELECT ${COLS} FROM orders WHERE user_id = ${userId}::uuid AND idempotency_key = ${key}`,
      );
    },

    async listForUser(db, userId, opts = {}) {
      const limit = Math.min(Math.max(opts.limit ?? 20, 1), 100);
      const before = !opts.before
        ? Prisma.empty
        : opts.beforeId
          ? Prisma.sql`AND (created_at, id) < (${opts.before}::timestamptz, ${opts.beforeId}::uuid)`
          : Prisma.sql`AND created_at < ${opts.before}::timestamptz`;
      return db.$queryRaw<Order[]>`SELECT ${COLS} FROM orders WHERE user_id = ${userId}::uuid ${before}
        ORDER BY created_at DESC, id DESC LIMIT ${limit}::int`;
    },

    async events(db, orderId) {
      return db.$queryRaw<OrderEventRow[]>`SELECT id, from_status AS "fromStatus", to_status AS "toStatus", reason,
        created_at AS "createdAt" FROM order_events WHERE order_id = ${orderId}::uuid ORDER BY id`;
    },

    async dueForExpiry(db, limit) {
      return db.$queryRaw<Array<{ id: string }>>`SELECT id::text AS id FROM orders
        WHERE status = 'CREATED' AND expires_at <= ${clock.now()}::timestamptz ORDER BY expires_at LIMIT ${limit}::int`;
    },

    async stuck(db, olderThanMs, limit) {
      const cutoff = new Date(clock.now().getTime() - olderThanMs);
      return db.$queryRaw<Array<{ id: string; status: OrderStatus }>>`SELECT id::text AS id, status FROM orders
        WHERE status IN ('PAID', 'FULFILLING', 'FAILED') AND updated_at <= ${cutoff}::timestamptz
        ORDER BY updated_at LIMIT ${limit}::int`;
    },

    async countByStatus(db) {
      const rows = await db.$queryRaw<
        Array<{ status: string; n: bigint }>
      >`SELECT status, count(*) AS n FROM orders GROUP BY status`;
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },
  };
}
