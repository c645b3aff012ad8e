import {
  CATEGORY_ID,
  fixedId,
  productIdSql,
  seedUuidSql,
  SIM_SUPPLIER_ID,
  STOCK_SUPPLIER_ID,
  USER_T0,
  userIdSql,
} from "./ids.ts";
import { HISTORY_MS, stockSlotSql, type ShapeSizes } from "./layout.ts";

/**
 * The seed's set-based statements (generate_series, INSERT … SELECT), in the order bench/seed/seed.ts
 * runs them. They write what the service writes for the same history — the rows of a delivered stock
 * order, a delivered or refunded DIRECT order, an expired unpaid order, a wallet top-up — so the
 * service's reads, the ledger check and the custody reconciliation accept them.
 */

/** Every user's wallet is topped up once with this (fen). */
export const FUNDING = 10_000_000_000n;
const REQUEST_HASH = "5e5e".repeat(16);

/** The ledger's fixed accounts (CNY), as parseAccountCode makes them. */
export const SYSTEM_ACCOUNTS = [
  { n: 1, code: "system:order_escrow:CNY", kind: "ESCROW", allowNegative: false },
  { n: 2, code: "system:custody:CNY", kind: "CUSTODY", allowNegative: true },
  { n: 3, code: "system:platform_cash:CNY", kind: "PLATFORM_CASH", allowNegative: true },
  { n: 4, code: "system:revenue:CNY", kind: "REVENUE", allowNegative: true },
  { n: 5, code: `supplier_payable:${STOCK_SUPPLIER_ID}:CNY`, kind: "SUPPLIER_PAYABLE", allowNegative: true },
  { n: 6, code: `supplier_payable:${SIM_SUPPLIER_ID}:CNY`, kind: "SUPPLIER_PAYABLE", allowNegative: true },
] as const;
const acct = (n: number) => `'${fixedId("systemAccount", n)}'::uuid`;
const [ESCROW, CUSTODY, CASH, REVENUE, PAYABLE_STOCK, PAYABLE_SIM] = [1, 2, 3, 4, 5, 6].map(acct);

const walletIdSql = (u: string) => seedUuidSql("walletAccount", u, `${USER_T0} + (${u})::bigint * 1000`);
const ts = (ms: string) => `to_timestamp((${ms})::double precision / 1000)`;

export interface SeedClock {
  /** The history ends here (the seed's time). */
  endMs: number;
}

/** Slot j's time (ms): the history spread evenly over HISTORY_MS. */
function slotMs(z: ShapeSizes, c: SeedClock, j: string): string {
  const start = c.endMs - HISTORY_MS;
  const step = Math.floor(HISTORY_MS / z.slots);
  return `(${start}::bigint + (${j})::bigint * ${step})`;
}

const orderIdSql = (z: ShapeSizes, c: SeedClock, j: string) => seedUuidSql("order", j, slotMs(z, c, j));

export function referenceSql(z: ShapeSizes, c: SeedClock): string[] {
  const now = ts(String(c.endMs - HISTORY_MS - 60 * 86_400_000));
  return [
    `INSERT INTO categories (id, slug, name_zh, name_en, sort_order) VALUES ('${CATEGORY_ID}', 'bench', '压测', 'Bench', 0)`,
    `INSERT INTO suppliers (id, code, name, kind, created_at) VALUES
       ('${STOCK_SUPPLIER_ID}', 'bench-stock', 'Own stock', 'STOCK', ${now}),
       ('${SIM_SUPPLIER_ID}', 'bench-sim', 'Simulated supplier', 'HTTP', ${now})`,
    `INSERT INTO products (id, sku, category_id, name_zh, name_en, face_value, currency, price, delivery_kind, target_kind,
                           min_qty, max_qty, created_at, updated_at)
     SELECT ${productIdSql("p.n")}, CASE WHEN p.direct THEN 'BENCH-TOPUP-' ELSE 'BENCH-CARD-' END || p.n, '${CATEGORY_ID}',
            CASE WHEN p.direct THEN '压测话费' ELSE '压测卡' END || p.n, CASE WHEN p.direct THEN 'Bench top-up ' ELSE 'Bench card ' END || p.n,
            CASE WHEN p.direct THEN 3000 ELSE p.price + 10 END, 'CNY', p.price,
            CASE WHEN p.direct THEN 'DIRECT' ELSE 'CODE' END, CASE WHEN p.direct THEN 'MOBILE' END, 1, 10, ${now}, ${now}
     FROM bench_seed_products p`,
    `INSERT INTO product_suppliers (product_id, supplier_id, cost, priority, supplier_sku)
     SELECT ${productIdSql("p.n")}, CASE WHEN p.direct THEN '${SIM_SUPPLIER_ID}'::uuid ELSE '${STOCK_SUPPLIER_ID}'::uuid END,
            p.cost, 0, CASE WHEN p.direct THEN 'BENCH-TOPUP' END
     FROM bench_seed_products p`,
    `INSERT INTO code_batches (id, product_id, source, imported, created_at)
     SELECT ${seedUuidSql("batch", "b.index", "b.imported_at")}, ${productIdSql("b.product")}, 'bench import ' || b.index, b.size,
            ${ts("b.imported_at")}
     FROM bench_seed_batches b`,
    `INSERT INTO users (id, display_name, locale, created_at)
     SELECT ${userIdSql("u")}, 'bench user ' || u, CASE WHEN u % 5 = 0 THEN 'en' ELSE 'zh-CN' END, ${ts(`${USER_T0} + u::bigint * 1000`)}
     FROM generate_series(1, ${z.users}) u`,
    `INSERT INTO channel_identities (id, user_id, channel, external_id, can_dm, created_at)
     SELECT ${seedUuidSql("identity", "u", `${USER_T0} + u::bigint * 1000`)}, ${userIdSql("u")}, 'telegram',
            (5000000000 + u)::text, true, ${ts(`${USER_T0} + u::bigint * 1000`)}
     FROM generate_series(1, ${z.users}) u`,
  ];
}

/**
 * One row per historical order (slot j): its kind (S stock delivered, D DIRECT delivered, R DIRECT
 * refunded, E expired unpaid), code, product, buyer, amounts and ids. Every later statement reads it in
 * slot order.
 */
export function ordersStagingSql(z: ShapeSizes, c: SeedClock): string {
  const k = "(b.sold_before + i + 1)";
  return `CREATE UNLOGGED TABLE bench_seed_orders AS
    SELECT x.j, x.kind, x.code_id, x.product, x.u, p.price, p.cost, ${slotMs(z, c, "x.j")} AS ms,
           ${orderIdSql(z, c, "x.j")} AS oid, ${userIdSql("x.u")} AS uid, ${walletIdSql("x.u")} AS wallet,
           CASE WHEN x.kind IN ('D', 'R') THEN ${seedUuidSql("payTx", "x.j", slotMs(z, c, "x.j"))} END AS pay_id,
           CASE WHEN x.kind IN ('S', 'D') THEN ${seedUuidSql("settleTx", "x.j", slotMs(z, c, "x.j"))} END AS settle_id,
           CASE WHEN x.kind = 'R' THEN ${seedUuidSql("refundTx", "x.j", slotMs(z, c, "x.j"))} END AS refund_id
    FROM (
      SELECT ${stockSlotSql(k)} AS j, 'S'::text AS kind, b.first_code + i AS code_id, b.product
      FROM bench_seed_batches b CROSS JOIN LATERAL generate_series(0, b.sold - 1) i
      UNION ALL
      SELECT j, CASE WHEN (j / 20) % 33 = 0 THEN 'R' ELSE 'D' END, NULL, ${z.codeProducts + 1} + (j / 7) % ${z.directProducts}
      FROM generate_series(1, ${z.slots}) j WHERE j % 20 IN (7, 14)
      UNION ALL
      SELECT j, 'E', NULL, 1 + (j / 20) % ${z.codeProducts} FROM generate_series(20, ${z.slots}, 20) j
    ) s0 CROSS JOIN LATERAL (SELECT s0.*, 1 + (s0.j::bigint * 7919) % ${z.users} AS u) x
    JOIN bench_seed_products p ON p.n = x.product
    ORDER BY x.j`;
}

/**
 * The statements below over bench_seed_orders take `slice`, a condition on the slot `s.j`: the seed runs
 * them a slice at a time, so that no transaction stays open long (a long-running transaction holds back
 * the cluster-wide horizon every event consumer on this PostgreSQL reads below, in every database).
 */

/** payment_tx_id of a stock order is its settlement (one posting paid and settled it). */
export function ordersSql(slice: string): string {
  return `INSERT INTO orders (id, user_id, idempotency_key, request_hash, channel, product_id, quantity, unit_price, total,
                             currency, target, status, payment_tx_id, settle_tx_id, refund_tx_id, supplier_id, cost_total,
                             failure_reason, expires_at, paid_at, delivered_at, closed_at, created_at, updated_at)
    SELECT s.oid, s.uid, 'hist-' || s.j, '${REQUEST_HASH}', 'http', ${productIdSql("s.product")}, 1, s.price, s.price, 'CNY',
           CASE WHEN s.kind IN ('D', 'R') THEN '1380013' || lpad((s.j % 10000)::text, 4, '0') END,
           CASE s.kind WHEN 'S' THEN 'DELIVERED' WHEN 'D' THEN 'DELIVERED' WHEN 'R' THEN 'REFUNDED' ELSE 'EXPIRED' END,
           CASE WHEN s.kind = 'S' THEN s.settle_id ELSE s.pay_id END, s.settle_id, s.refund_id,
           CASE s.kind WHEN 'S' THEN '${STOCK_SUPPLIER_ID}'::uuid WHEN 'E' THEN NULL ELSE '${SIM_SUPPLIER_ID}'::uuid END,
           CASE WHEN s.kind IN ('S', 'D') THEN s.cost END,
           CASE WHEN s.kind = 'R' THEN 'every supplier failed' END,
           ${ts("s.ms + 900000")},
           CASE WHEN s.kind <> 'E' THEN ${ts("s.ms")} END,
           CASE s.kind WHEN 'S' THEN ${ts("s.ms")} WHEN 'D' THEN ${ts("s.ms + 300")} END,
           CASE s.kind WHEN 'R' THEN ${ts("s.ms + 2000")} WHEN 'E' THEN ${ts("s.ms + 900000")} END,
           ${ts("s.ms")},
           ${ts("s.ms + CASE s.kind WHEN 'D' THEN 300 WHEN 'R' THEN 2000 WHEN 'E' THEN 900000 ELSE 0 END")}
    FROM bench_seed_orders s WHERE ${slice}`;
}

/** Each step of an order's history, in order (as the order store writes them). */
export function orderEventsSql(slice: string): string {
  return `INSERT INTO order_events (order_id, from_status, to_status, reason, created_at)
    SELECT s.oid, e.f, e.t, e.r, ${ts("s.ms + e.dt")}
    FROM bench_seed_orders s CROSS JOIN LATERAL unnest(
      CASE s.kind WHEN 'E' THEN ARRAY[NULL, 'CREATED'] WHEN 'R' THEN ARRAY[NULL, 'CREATED', 'PAID', 'FULFILLING', 'FAILED']
                  ELSE ARRAY[NULL, 'CREATED', 'PAID', 'FULFILLING'] END,
      CASE s.kind WHEN 'E' THEN ARRAY['CREATED', 'EXPIRED'] WHEN 'R' THEN ARRAY['CREATED', 'PAID', 'FULFILLING', 'FAILED', 'REFUNDED']
                  ELSE ARRAY['CREATED', 'PAID', 'FULFILLING', 'DELIVERED'] END,
      CASE s.kind WHEN 'E' THEN ARRAY[NULL, 'payment window closed']
                  WHEN 'R' THEN ARRAY[NULL, NULL, NULL, 'every supplier failed', 'every supplier failed']
                  ELSE ARRAY[NULL, NULL, NULL, NULL] END,
      CASE s.kind WHEN 'E' THEN ARRAY[0, 900000] WHEN 'R' THEN ARRAY[0, 0, 5, 2000, 2000]
                  WHEN 'D' THEN ARRAY[0, 0, 5, 300] ELSE ARRAY[0, 0, 0, 0] END
    ) AS e(f, t, r, dt)
    WHERE ${slice}`;
}

/**
 * The outbox rows of each order's changes. `published`: the outbox still has a `published_at` column
 * (the relay's): historical events are marked published. (Per-consumer cursors are moved past them
 * instead, by the seed.)
 */
export function outboxSql(published: boolean, slice: string): string {
  return `INSERT INTO outbox_events (type, payload, created_at${published ? ", published_at" : ""})
    SELECT e.type, jsonb_build_object('orderId', s.oid::text, 'userId', s.uid::text, 'status', e.status, 'from', e.prev,
             'productId', ${productIdSql("s.product")}::text, 'total', s.price::text, 'currency', 'CNY', 'channel', 'http'),
           ${ts("s.ms + e.dt")}${published ? `, ${ts("s.ms + e.dt")}` : ""}
    FROM bench_seed_orders s CROSS JOIN LATERAL unnest(
      CASE s.kind WHEN 'S' THEN ARRAY['order.delivered'] WHEN 'E' THEN ARRAY['order.expired']
                  WHEN 'D' THEN ARRAY['order.paid', 'order.fulfilling', 'order.delivered']
                  ELSE ARRAY['order.paid', 'order.fulfilling', 'order.refunded'] END,
      CASE s.kind WHEN 'S' THEN ARRAY['DELIVERED'] WHEN 'E' THEN ARRAY['EXPIRED']
                  WHEN 'D' THEN ARRAY['PAID', 'FULFILLING', 'DELIVERED'] ELSE ARRAY['PAID', 'FULFILLING', 'REFUNDED'] END,
      CASE s.kind WHEN 'S' THEN ARRAY['CREATED'] WHEN 'E' THEN ARRAY['CREATED']
                  WHEN 'D' THEN ARRAY['CREATED', 'PAID', 'FULFILLING'] ELSE ARRAY['CREATED', 'PAID', 'FULFILLING'] END,
      CASE s.kind WHEN 'S' THEN ARRAY[0] WHEN 'E' THEN ARRAY[900000] WHEN 'D' THEN ARRAY[0, 5, 300] ELSE ARRAY[0, 5, 2000] END
    ) AS e(type, status, prev, dt)
    WHERE ${slice}`;
}

/** Every user's top-up (custody −F, wallet +F), then each order's postings, in time order. */
export function fundingTransactionsSql(z: ShapeSizes): string {
  return `INSERT INTO ledger_transactions (id, idempotency_key, request_hash, kind, metadata, created_at)
     SELECT ${seedUuidSql("fundTx", "u", `${USER_T0} + u::bigint * 1000 + 1`)}, 'bench-fund:' || ${userIdSql("u")},
            '${REQUEST_HASH}', 'top_up', NULL, ${ts(`${USER_T0} + u::bigint * 1000 + 1`)}
     FROM generate_series(1, ${z.users}) u`;
}

export function ledgerTransactionsSql(slice: string): string {
  const meta = (sup: string) => `jsonb_build_object('orderId', s.oid::text, 'supplierId', '${sup}')`;
  return `INSERT INTO ledger_transactions (id, idempotency_key, request_hash, kind, reverses_id, memo, metadata, created_at)
     SELECT t.id, t.key, '${REQUEST_HASH}', t.kind, t.reverses, t.memo, t.meta, ${ts("s.ms + t.dt")}
     FROM bench_seed_orders s CROSS JOIN LATERAL (VALUES
       (1, s.pay_id, 'order-pay:' || s.oid, 'order_payment', NULL::uuid, NULL::text,
        jsonb_build_object('orderId', s.oid::text), 0),
       (2, s.settle_id, 'order-settle:' || s.oid, 'order_settlement', NULL::uuid, NULL::text,
        CASE s.kind WHEN 'S' THEN ${meta(STOCK_SUPPLIER_ID)} ELSE ${meta(SIM_SUPPLIER_ID)} END,
        CASE s.kind WHEN 'D' THEN 300 ELSE 0 END),
       (3, s.refund_id, 'order-refund:' || s.oid, 'reversal', s.pay_id, 'every supplier failed'::text, NULL::jsonb, 2000)
     ) AS t(ord, id, key, kind, reverses, memo, meta, dt)
     WHERE t.id IS NOT NULL AND ${slice}`;
}

/** The legs of each posting in entry order (settlementPosting, payInTx, reverse). */
export function fundingEntriesSql(z: ShapeSizes): string {
  return `INSERT INTO ledger_entries (transaction_id, account_id, currency, amount, created_at)
     SELECT ${seedUuidSql("fundTx", "u", `${USER_T0} + u::bigint * 1000 + 1`)}, l.acct, 'CNY', l.amount,
            ${ts(`${USER_T0} + u::bigint * 1000 + 1`)}
     FROM generate_series(1, ${z.users}) u CROSS JOIN LATERAL (VALUES
       (${CUSTODY}, -${FUNDING}::bigint), (${walletIdSql("u")}, ${FUNDING}::bigint)) AS l(acct, amount)`;
}

export function ledgerEntriesSql(slice: string): string {
  return `INSERT INTO ledger_entries (transaction_id, account_id, currency, amount, created_at)
     SELECT CASE l.tx WHEN 1 THEN s.pay_id WHEN 2 THEN s.settle_id ELSE s.refund_id END, l.acct, 'CNY', l.amount,
            ${ts("s.ms + l.dt")}
     FROM bench_seed_orders s CROSS JOIN LATERAL (
       SELECT * FROM (VALUES
         ('S', 2, s.wallet, -s.price, 0), ('S', 2, ${REVENUE}, s.price - s.cost, 0), ('S', 2, ${PAYABLE_STOCK}, s.cost, 0),
         ('S', 2, ${CUSTODY}, s.price, 0), ('S', 2, ${CASH}, -s.price, 0),
         ('D', 1, s.wallet, -s.price, 0), ('D', 1, ${ESCROW}, s.price, 0),
         ('D', 2, ${ESCROW}, -s.price, 300), ('D', 2, ${REVENUE}, s.price - s.cost, 300),
         ('D', 2, ${PAYABLE_SIM}, s.cost, 300), ('D', 2, ${CUSTODY}, s.price, 300), ('D', 2, ${CASH}, -s.price, 300),
         ('R', 1, s.wallet, -s.price, 0), ('R', 1, ${ESCROW}, s.price, 0),
         ('R', 3, s.wallet, s.price, 2000), ('R', 3, ${ESCROW}, -s.price, 2000)
       ) AS v(kind, tx, acct, amount, dt) WHERE v.kind = s.kind
     ) AS l
     WHERE ${slice}`;
}

/** Wallets hold what their entries say; the shared accounts are summed on read (balance 0). */
export function accountsSql(z: ShapeSizes): string[] {
  const created = ts(String(USER_T0 - 86_400_000));
  return [
    `INSERT INTO ledger_accounts (id, code, kind, owner_id, currency, balance, held, allow_negative, balance_mode, created_at)
     VALUES ${SYSTEM_ACCOUNTS.map(
       (a) =>
         `(${acct(a.n)}, '${a.code}', '${a.kind}', ${a.kind === "SUPPLIER_PAYABLE" ? `'${a.code.split(":")[1]}'::uuid` : "NULL"}, 'CNY', 0, 0, ${a.allowNegative}, 'SUMMED', ${created})`,
     ).join(", ")}`,
    `INSERT INTO ledger_accounts (id, code, kind, owner_id, currency, balance, held, allow_negative, balance_mode, created_at)
     SELECT ${walletIdSql("u")}, 'wallet:' || ${userIdSql("u")} || ':CNY', 'WALLET', ${userIdSql("u")}, 'CNY',
            ${FUNDING}::bigint - COALESCE(spent.total, 0), 0, false, 'CACHED', ${ts(`${USER_T0} + u::bigint * 1000`)}
     FROM generate_series(1, ${z.users}) u
     LEFT JOIN (SELECT s.u AS buyer, sum(s.price) AS total FROM bench_seed_orders s WHERE s.kind IN ('S', 'D') GROUP BY s.u) spent
       ON spent.buyer = u`,
  ];
}

/** The codes in id order: sold ones linked to their stock order, unsold ones with real ciphertexts (`slice`: on `b.index`). */
export function codesSql(z: ShapeSizes, c: SeedClock, slice: string): string {
  const j = stockSlotSql("(b.sold_before + i + 1)");
  const sale = ts(slotMs(z, c, j));
  return `INSERT INTO codes (id, product_id, batch_id, code_hash, code_enc, password_enc, expires_at, status, order_id,
                            reserved_at, sold_at, created_at)
    SELECT b.first_code + i, ${productIdSql("b.product")}, ${seedUuidSql("batch", "b.index", "b.imported_at")},
           CASE WHEN i < b.sold THEN md5((b.first_code + i)::text) ELSE x.hash END,
           CASE WHEN i < b.sold THEN 'v1.sold-historical-code.' || (b.first_code + i) ELSE x.code_enc END,
           CASE WHEN i < b.sold THEN 'v1.sold-historical-password' ELSE x.password_enc END,
           ${ts("b.expires_at")},
           CASE WHEN i < b.sold THEN 'SOLD' WHEN b.unsold = 'EXPIRED' THEN 'EXPIRED' ELSE 'AVAILABLE' END,
           CASE WHEN i < b.sold THEN ${orderIdSql(z, c, j)} END,
           CASE WHEN i < b.sold THEN ${sale} END, CASE WHEN i < b.sold THEN ${sale} END, ${ts("b.imported_at")}
    FROM bench_seed_batches b CROSS JOIN LATERAL generate_series(0, b.size - 1) i
    LEFT JOIN bench_seed_enc x ON x.id = b.first_code + i
    WHERE ${slice}
    ORDER BY b.first_code + i`;
}

export function orderCodesSql(slice: string): string {
  return `INSERT INTO order_codes (order_id, code_id, position)
    SELECT s.oid, s.code_id, 1 FROM bench_seed_orders s WHERE s.kind = 'S' AND ${slice}`;
}

export function supplierRequestsSql(z: ShapeSizes, c: SeedClock, slice: string): string {
  return `INSERT INTO supplier_requests (id, request_key, order_id, supplier_id, status, external_ref, result, error,
                                        created_at, updated_at)
    SELECT ${seedUuidSql("supplierRequest", "s.j", slotMs(z, c, "s.j"))}, s.oid::text || '.${SIM_SUPPLIER_ID}', s.oid,
           '${SIM_SUPPLIER_ID}', CASE s.kind WHEN 'D' THEN 'SUCCEEDED' ELSE 'FAILED' END,
           CASE s.kind WHEN 'D' THEN 'sim-' || s.j END,
           CASE s.kind WHEN 'D' THEN jsonb_build_object('status', 'succeeded', 'externalRef', 'sim-' || s.j)
                ELSE '{"status":"failed","retryable":false,"unknown":false,"reason":"rejected"}'::jsonb END,
           CASE s.kind WHEN 'R' THEN 'rejected' END, ${ts("s.ms + 5")}, ${ts("s.ms + 300")}
    FROM bench_seed_orders s WHERE s.kind IN ('D', 'R') AND ${slice}`;
}
