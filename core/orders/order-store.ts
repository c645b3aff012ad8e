import {
  empty,
  invalidData,
  join,
  raw,
  rowMap,
  selectList,
  sql,
  type Clock,
  type Sql,
  type SqlExecutor,
  type SqlTx,
} from "../shared/index.ts";
import { eventTypeFor, isValidPath, type OrderStatus } from "./order-states.ts";
import type { NewOrder, Order, OrderEventRow, OrderPatch } from "./types.ts";

/*
 * The order store: every statement of the orders module (tables orders, order_events; the outbox rows
 * of its changes), run on the SqlRunner (docs/data-access.md). Each parameter is cast: statements are
 * prepared once per connection and planned without their values.
 */

/** Every column of `orders`, as the `Order` type reads it (test/prisma/row-maps.test.ts keeps them in step). */
export const ORDER_ROW = rowMap<Order>(
  "orders",
  {
    id: { column: "id", cast: "text" },
    userId: { column: "user_id", cast: "text" },
    idempotencyKey: { column: "idempotency_key" },
    requestHash: { column: "request_hash" },
    channel: { column: "channel" },
    productId: { column: "product_id", cast: "text" },
    quantity: { column: "quantity" },
    unitPrice: { column: "unit_price" },
    total: { column: "total" },
    currency: { column: "currency" },
    target: { column: "target" },
    status: { column: "status" },
    paymentTxId: { column: "payment_tx_id", cast: "text" },
    settleTxId: { column: "settle_tx_id", cast: "text" },
    refundTxId: { column: "refund_tx_id", cast: "text" },
    supplierId: { column: "supplier_id", cast: "text" },
    costTotal: { column: "cost_total" },
    failureReason: { column: "failure_reason" },
    pricing: { column: "pricing" },
    expiresAt: { column: "expires_at" },
    paidAt: { column: "paid_at" },
    deliveredAt: { column: "delivered_at" },
    closedAt: { column: "closed_at" },
    createdAt: { column: "created_at" },
    updatedAt: { column: "updated_at" },
  },
  // Read by the order reads for people (order-reads.ts), not by the hot path's statements.
  ["number"],
);

export const ORDER_EVENT_ROW = rowMap<OrderEventRow>(
  "order_events",
  {
    id: { column: "id" },
    fromStatus: { column: "from_status" },
    toStatus: { column: "to_status" },
    reason: { column: "reason" },
    createdAt: { column: "created_at" },
  },
  // The key the history is read by.
  ["order_id"],
);

const EVENT_COLUMNS = selectList(ORDER_EVENT_ROW, "e");

/** Every column, aliased to the `Order` shape (unqualified: read from `orders` or a CTE of its rows). */
const COLS = selectList(ORDER_ROW, null);

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
  /** The optional fields of the order event's payload (core/events/catalog.ts), e.g. a refund's `reason`. */
  eventPayload?: OrderEventExtras;
}

/** `kameng_fail` reason of an insert that did not happen (see OrderStore.insert). */
export const ORDER_NOT_INSERTED = "order_not_inserted";

/** `kameng_fail` reason of a final (`last`) transition whose order was not at a status its path starts from. */
export const ORDER_NOT_AT_STATUS = "order_not_at_status";

export interface InsertOptions {
  emitCreated?: boolean;
  /**
   * A statement that must return a row for the order to be inserted — the catalog's `stillOnSale`
   * (the order was priced from a cached product). Composed into the insert: no round trip of its own.
   */
  guard?: Sql;
  /**
   * The order is paid, settled and delivered by the same transaction (a stock order paid from the
   * wallet): it is written DELIVERED at once, with every step in its history and `order.delivered` in
   * the outbox — the same rows a CREATED → … → DELIVERED transition leaves, without updating the row.
   */
  delivered?: { settleTxId: string | null; supplierId?: string | null; costTotal?: bigint | null };
  /**
   * A statement issued before the insert that decides whether there is an order at all (the claim of its
   * codes: the inventory's `claimedSql`). No row from it → nothing is inserted and the insert answers
   * null without raising, so a refused order writes nothing and its transaction commits empty (no
   * ERROR, no ROLLBACK). With a row, a missing insert still fails as below.
   */
  onlyIf?: Sql;
}

export interface OrderStore {
  /**
   * Inserts a CREATED order unless (userId, idempotencyKey) exists, and only if `opts.guard` returns a
   * row. Not inserted → the statement fails with `kameng_fail('order_not_inserted')`, so the statements
   * the caller issued behind it (without waiting) do not run — unless `opts.onlyIf` returned no row:
   * then, quietly, the order already placed under the same key (another id), or null.
   */
  insert(tx: SqlTx, order: NewOrder, opts?: InsertOptions): Promise<Order | null>;
  /** A statement that returns a row once the order exists (to gate statements issued after its insert). */
  existsSql(orderId: string): Sql;
  /** Applies a transition path; null when the order is not at a status the path starts from. */
  transition(db: SqlExecutor, input: TransitionInput): Promise<Order | null>;
  /**
   * The transition as the transaction's final statement, sent with COMMIT (`queryAndCommit`), so locks
   * taken earlier are released one round trip sooner. An order not at a status the path starts from
   * fails the statement (`kameng_fail('order_not_at_status')`), so nothing before it commits.
   */
  finalTransition(tx: SqlTx, input: TransitionInput): Promise<Order>;
  /**
   * Failover: a FULFILLING order moves from the supplier that failed for good to the next one, only if
   * it still names `from` (so two runs cannot both switch). Audited as a FULFILLING → FULFILLING event.
   */
  switchSupplier(db: SqlExecutor, orderId: string, from: string | null, to: string): Promise<Order | null>;
  get(db: SqlExecutor, orderId: string): Promise<Order | null>;
  getForUpdate(tx: SqlExecutor, orderId: string): Promise<Order | null>;
  findByIdempotencyKey(db: SqlExecutor, userId: string, idempotencyKey: string): Promise<Order | null>;
  /** The orders placed under any of these (user, idempotency key) pairs: many lookups in one statement. */
  findByIdempotencyKeys(
    db: SqlExecutor,
    keys: ReadonlyArray<{ userId: string; idempotencyKey: string }>,
  ): Promise<Order[]>;
  events(db: SqlExecutor, orderId: string): Promise<OrderEventRow[]>;
  /** CREATED orders whose payment window has closed. */
  dueForExpiry(db: SqlExecutor, limit: number): Promise<Array<{ id: string }>>;
  /** PAID or FULFILLING orders untouched for `olderThanMs` (their job may have been lost). */
  stuck(db: SqlExecutor, olderThanMs: number, limit: number): Promise<Array<{ id: string; status: OrderStatus }>>;
  countByStatus(db: SqlExecutor): Promise<Record<string, number>>;
}

/**
 * The statement's result: the row `cte` wrote, or — when it wrote none — a `kameng_fail(reason)` that
 * aborts the transaction. (Checked in WHERE, which is always evaluated: PostgreSQL skips an unreferenced
 * column of a CTE, so a guard there would never run.)
 */
function mustMatch(reason: string, cte: "ins" | "u", unless?: Sql): Sql {
  const c = raw(cte);
  // One CASE, evaluated in order (the conditions of an AND may be evaluated in any order).
  const otherwise = unless
    ? sql`WHEN EXISTS (${unless}) THEN kameng_fail(${reason}::text) = 0 ELSE false`
    : sql`ELSE kameng_fail(${reason}::text) = 0`;
  return sql`SELECT ${COLS} FROM (SELECT 1) AS one LEFT JOIN ${c} ON true
    WHERE CASE WHEN ${c}.id IS NOT NULL THEN true ${otherwise} END`;
}

/** The optional fields of an order event (see `orderEvent` in core/events/catalog.ts). */
export interface OrderEventExtras {
  reason?: string;
}

/**
 * THE order-event builder: the outbox row for the order `row` (a CTE of the statement: the inserted or
 * updated order) entering its current status, coming `from` a status (NULL for a new order). The insert
 * and every transition write their events through it, so every order event has the catalog's shape
 * (`orderEvent` in core/events/catalog.ts; test/core/events/order-events.test.ts parses every outbox row
 * of every order path against it). No codes or secrets: consumers read what they need by id.
 */
function orderEventInsert(
  type: ReturnType<typeof eventTypeFor>,
  row: "ins" | "u",
  from: Sql,
  extras: OrderEventExtras | undefined,
  now: Date,
): Sql {
  const r = raw(row);
  const extra = JSON.stringify({ ...(extras?.reason !== undefined ? { reason: extras.reason } : {}) });
  return sql`INSERT INTO outbox_events (type, payload, created_at)
    SELECT ${type}::text, jsonb_build_object('orderId', ${r}.id::text, 'userId', ${r}.user_id::text, 'status', ${r}.status,
      'from', ${from}, 'productId', ${r}.product_id::text, 'total', ${r}.total::text, 'currency', ${r}.currency,
      'channel', ${r}.channel) || ${extra}::jsonb, ${now}::timestamptz
    FROM ${r}`;
}

export function createOrderStore({ clock }: { clock: Clock }): OrderStore {
  const one = (rows: Order[]) => rows[0] ?? null;

  /** One conditional UPDATE with its history rows and outbox event; `final`: see finalTransition. */
  function transitionSql(input: TransitionInput, final: boolean): Sql {
    const { path } = input;
    if (!isValidPath(path)) throw invalidData("invalid_transition", `not an order transition: ${path.join(" → ")}`);
    const now = clock.now();
    const to = path[path.length - 1]!;
    const froms = path.slice(0, -1);
    const tos = path.slice(1);
    const sets: Sql[] = [sql`status = ${to}::text`, sql`updated_at = ${now}::timestamptz`];
    for (const [k, v] of Object.entries(input.set ?? {}) as Array<[keyof OrderPatch, unknown]>) {
      if (v === undefined) continue;
      const c = PATCH_COLUMNS[k];
      sets.push(sql`${raw(c.column)} = ${v}::${raw(c.cast)}`);
    }
    // A final transition that matched nothing must not commit what came before it.
    const tail = final ? mustMatch(ORDER_NOT_AT_STATUS, "u") : sql`SELECT ${COLS} FROM u`;
    return sql`
      WITH cur AS (
        SELECT id, status AS prev FROM orders WHERE id = ${input.orderId}::uuid AND status = ANY(${froms}::text[]) FOR UPDATE),
      u AS (
        UPDATE orders o SET ${join(sets, ", ")} FROM cur WHERE o.id = cur.id
        RETURNING o.*, cur.prev),
      ev AS (
        INSERT INTO order_events (order_id, from_status, to_status, reason, created_at)
        SELECT u.id, s.f, s.t, ${input.reason ?? null}::text, ${now}::timestamptz
        FROM u, unnest(${froms}::text[], ${tos}::text[]) WITH ORDINALITY AS s(f, t, i)
        WHERE s.i >= array_position(${froms}::text[], u.prev)),
      ob AS (${orderEventInsert(eventTypeFor(to), "u", sql`u.prev`, input.eventPayload, now)})
      ${tail}`;
  }

  return {
    async insert(tx, o, opts = {}) {
      const now = clock.now();
      const d = opts.delivered;
      // A delivered order's history still records every step it went through.
      const path = d ? ["CREATED", "PAID", "FULFILLING", "DELIVERED"] : ["CREATED"];
      const outbox = d
        ? sql`, ob AS (${orderEventInsert("order.delivered", "ins", sql`'CREATED'`, undefined, now)})`
        : opts.emitCreated
          ? sql`, ob AS (${orderEventInsert("order.created", "ins", sql`NULL::text`, undefined, now)})`
          : empty;
      const rows = await tx.query<Order>(sql`
        WITH g AS (${opts.guard ?? sql`SELECT 1`}),
        ins AS (
          INSERT INTO orders (id, user_id, idempotency_key, request_hash, channel, product_id, quantity, unit_price, total,
                              currency, target, pricing, status, expires_at, created_at, updated_at,
                              payment_tx_id, settle_tx_id, supplier_id, cost_total, paid_at, delivered_at)
          SELECT ${o.id}::uuid, ${o.userId}::uuid, ${o.idempotencyKey}::text, ${o.requestHash}::text, ${o.channel}::text,
                  ${o.productId}::uuid, ${o.quantity}::int, ${o.unitPrice}::bigint, ${o.total}::bigint,
                  ${o.currency}::bpchar, ${o.target}::text, ${JSON.stringify(o.pricing)}::jsonb, ${path.at(-1)}::text,
                  ${o.expiresAt}::timestamptz, ${now}::timestamptz, ${now}::timestamptz,
                  ${d?.settleTxId ?? null}::uuid, ${d?.settleTxId ?? null}::uuid, ${d?.supplierId ?? null}::uuid,
                  ${d?.costTotal ?? null}::bigint, ${d ? now : null}::timestamptz, ${d ? now : null}::timestamptz
          FROM g ${opts.onlyIf ? sql`WHERE EXISTS (${opts.onlyIf})` : empty}
          ON CONFLICT (user_id, idempotency_key) DO NOTHING
          RETURNING *),
        ev AS (INSERT INTO order_events (order_id, from_status, to_status, created_at)
               SELECT ins.id, s.f, s.t, ${now}::timestamptz
               FROM ins, unnest(ARRAY[NULL]::text[] || ${path.slice(0, -1)}::text[], ${path}::text[]) WITH ORDINALITY AS s(f, t, i)
               ORDER BY s.i)
        ${outbox}
        ${mustMatch(ORDER_NOT_INSERTED, "ins", opts.onlyIf)}
        ${
          // Refused quietly: the order already placed under this key, if any (read from the statement's
          // snapshot, so never the row this statement inserted), answers the retry without another read.
          opts.onlyIf
            ? sql`UNION ALL SELECT ${COLS} FROM orders WHERE user_id = ${o.userId}::uuid
                AND idempotency_key = ${o.idempotencyKey}::text AND NOT EXISTS (${opts.onlyIf})`
            : empty
        }`);
      return rows[0] ?? null;
    },

    existsSql: (orderId) => sql`SELECT 1 FROM orders WHERE id = ${orderId}::uuid`,

    async transition(db, input) {
      return one(await db.query<Order>(transitionSql(input, false)));
    },

    async finalTransition(tx, input) {
      return (await tx.queryAndCommit<Order>(transitionSql(input, true)))[0]!;
    },

    async switchSupplier(db, orderId, from, to) {
      const now = clock.now();
      const rows = await db.query<Order>(sql`
        WITH u AS (
          UPDATE orders SET supplier_id = ${to}::uuid, updated_at = ${now}::timestamptz
          WHERE id = ${orderId}::uuid AND status = 'FULFILLING' AND supplier_id IS NOT DISTINCT FROM ${from}::uuid
          RETURNING *),
        ev AS (
          INSERT INTO order_events (order_id, from_status, to_status, reason, created_at)
          SELECT id, 'FULFILLING', 'FULFILLING', ${`failover to supplier ${to}`}::text, ${now}::timestamptz FROM u)
        SELECT ${COLS} FROM u`);
      return one(rows);
    },

    async get(db, orderId) {
      return one(await db.query<Order>(sql`SELECT ${COLS} FROM orders WHERE id = ${orderId}::uuid`));
    },

    async getForUpdate(tx, orderId) {
      return one(await tx.query<Order>(sql`SELECT ${COLS} FROM orders WHERE id = ${orderId}::uuid FOR UPDATE`));
    },

    async findByIdempotencyKey(db, userId, key) {
      return one(
        await db.query<Order>(
          sql`SELECT ${COLS} FROM orders WHERE user_id = ${userId}::uuid AND idempotency_key = ${key}::text`,
        ),
      );
    },

    async findByIdempotencyKeys(db, keys) {
      if (keys.length === 0) return [];
      return db.query<Order>(sql`SELECT ${COLS} FROM orders WHERE (user_id, idempotency_key) IN
        (SELECT * FROM unnest(${keys.map((k) => k.userId)}::uuid[], ${keys.map((k) => k.idempotencyKey)}::text[]))`);
    },

    async events(db, orderId) {
      return db.query<OrderEventRow>(sql`SELECT ${EVENT_COLUMNS} FROM order_events e
        WHERE e.order_id = ${orderId}::uuid ORDER BY e.id`);
    },

    async dueForExpiry(db, limit) {
      return db.query<{ id: string }>(sql`SELECT id::text AS id FROM orders
        WHERE status = 'CREATED' AND expires_at <= ${clock.now()}::timestamptz ORDER BY expires_at LIMIT ${limit}::int`);
    },

    async stuck(db, olderThanMs, limit) {
      const cutoff = new Date(clock.now().getTime() - olderThanMs);
      return db.query<{ id: string; status: OrderStatus }>(sql`SELECT id::text AS id, status FROM orders
        WHERE status IN ('PAID', 'FULFILLING', 'FAILED') AND updated_at <= ${cutoff}::timestamptz
        ORDER BY updated_at LIMIT ${limit}::int`);
    },

    async countByStatus(db) {
      const rows = await db.query<{ status: string; n: bigint }>(
        sql`SELECT status, count(*) AS n FROM orders GROUP BY status`,
      );
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },
  };
}
