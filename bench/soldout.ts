import type net from "node:net";
import pg from "pg";
import type { Container } from "../app/container.ts";
import { systemContext } from "../core/shared/index.ts";
import { log, percentile, round3 } from "./config.ts";
import type { CpuMeter, CpuUse } from "./cpu.ts";
import { postOnNewConnection } from "./load.ts";
import { CATEGORY_ID, STOCK_SUPPLIER_ID } from "./seed/ids.ts";

/**
 * The sold-out burst (issue 15 §2): `buyers` distinct buyers (API keys the server has not seen: cold
 * caches) order one new product with `codes` codes, all at once. Reports the time until every buyer has
 * an answer, and checks that exactly `codes` were sold, the rest refused, and that the refusals left
 * nothing behind: every order, history, outbox, ledger and code-link row written since belongs to a
 * sale. Refused orders that were inserted and rolled back leave no rows but use up sequence numbers;
 * those are counted as `rolledBackWrites` (what the refusals cost the database, not a failure).
 */

export interface SoldOutResult {
  seconds: number;
  sold: number;
  refused: number;
  errors: Record<string, number>;
  /** Rows committed since the burst that do not belong to one of the sales (must be 0). */
  refusalRows: number;
  /** History, outbox and ledger-entry inserts that were rolled back (sequence numbers taken, no row). */
  rolledBackWrites: number;
  ok: boolean;
  /** CPU the burst took (server, PostgreSQL, …), from its first request to its last answer. */
  cpu: CpuUse;
  /** 99th percentile of the buyers' waits (request sent → answer read), ms. */
  waitP99Ms: number;
}

const SEQUENCED = ["order_events", "outbox_events", "ledger_entries"] as const;

export async function soldOutBurst(opts: {
  c: Container;
  url: string;
  keys: string[];
  codes: number;
  dbUrl: string;
  meter: () => CpuMeter;
}): Promise<SoldOutResult> {
  const { c } = opts;
  const ctx = systemContext("bench", { channel: "cli" });
  const tag = `${process.pid}-${Date.now()}`;
  // A product of its own per burst (a second burst in one process must not find the first one's sales).
  const product = await c.catalog.upsertProduct(ctx, {
    sku: `BENCH-SOLDOUT-${tag}`,
    categoryId: CATEGORY_ID,
    nameZh: "压测抢购",
    nameEn: "Bench drop",
    faceValue: 1000n,
    currency: "CNY",
    price: 990n,
    deliveryKind: "CODE",
  });
  await c.suppliers.linkProduct(ctx, { productId: product.id, supplierId: STOCK_SUPPLIER_ID, cost: 900n });
  await c.inventory.importCodes(ctx, {
    productId: product.id,
    source: "bench drop",
    content: Array.from({ length: opts.codes }, (_, i) => `DROP-${tag}-${i},pw${i}`).join("\n"),
  });

  const db = new pg.Client({ connectionString: opts.dbUrl });
  await db.connect();
  try {
    const seqs = async () => {
      const out: Record<string, bigint> = {};
      for (const t of SEQUENCED) {
        const { rows } = await db.query<{ v: string }>(
          `SELECT last_value::text AS v FROM ${(await db.query<{ s: string }>(`SELECT pg_get_serial_sequence($1, 'id') AS s`, [t])).rows[0]!.s}`,
        );
        out[t] = BigInt(rows[0]!.v);
      }
      return out;
    };
    const before = await seqs();
    const since = new Date();
    // Each buyer on a connection of its own (1,000 new connections at once), kept open until all are answered.
    const sockets: net.Socket[] = [];
    const errors: Record<string, number> = {};
    let sold = 0;
    let refused = 0;
    /** Each buyer's wait for its answer, ms. */
    const waits: number[] = [];
    log(`sold-out burst: ${opts.keys.length} buyers, one product with ${opts.codes} codes`);
    const meter = opts.meter();
    const t0 = performance.now();
    await Promise.all(
      opts.keys.map(async (key, i) => {
        try {
          const sent = performance.now();
          const r = await postOnNewConnection(
            `${opts.url}/v1/orders`,
            JSON.stringify({ product_id: product.id, quantity: 1 }),
            {
              authorization: `Bearer ${key}`,
              "idempotency-key": `drop-${tag}-${i}`,
              "content-type": "application/json",
            },
            sockets,
          );
          waits.push(performance.now() - sent);
          const code = (JSON.parse(r.body) as { error?: { code: string } }).error?.code;
          if (r.status === 201) sold++;
          else if (code === "out_of_stock") refused++;
          else errors[code ?? `http_${r.status}`] = (errors[code ?? `http_${r.status}`] ?? 0) + 1;
        } catch (e) {
          errors[(e as Error).message] = (errors[(e as Error).message] ?? 0) + 1;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = meter.stop();
    for (const s of sockets) s.destroy();

    const after = await seqs();
    // Everything committed since the burst began (ids and times only grow), and how much of it is a sale's.
    const { rows } = await db.query<Record<string, string>>(
      `WITH sales AS (SELECT id FROM orders WHERE product_id = $1::uuid),
            txs AS (SELECT id FROM ledger_transactions WHERE created_at >= $2 AND metadata->>'orderId' IN (SELECT id::text FROM sales))
       SELECT
         (SELECT count(*) FROM orders WHERE created_at >= $2 AND id NOT IN (SELECT id FROM sales))::text AS orders,
         (SELECT count(*) FROM order_events WHERE id > $3 AND order_id NOT IN (SELECT id FROM sales))::text AS events,
         (SELECT count(*) FROM outbox_events WHERE id > $4 AND payload->>'orderId' NOT IN (SELECT id::text FROM sales))::text AS outbox,
         (SELECT count(*) FROM ledger_transactions WHERE created_at >= $2 AND id NOT IN (SELECT id FROM txs))::text AS ledger_txs,
         (SELECT count(*) FROM ledger_entries WHERE id > $5 AND transaction_id NOT IN (SELECT id FROM txs))::text AS entries,
         (SELECT count(*) FROM order_events WHERE id > $3)::text AS events_all,
         (SELECT count(*) FROM outbox_events WHERE id > $4)::text AS outbox_all,
         (SELECT count(*) FROM ledger_entries WHERE id > $5)::text AS entries_all,
         (SELECT count(*) FROM sales)::text AS sales,
         (SELECT count(*) FROM codes WHERE product_id = $1::uuid AND status = 'SOLD')::text AS codes_sold`,
      [
        product.id,
        since,
        before.order_events!.toString(),
        before.outbox_events!.toString(),
        before.ledger_entries!.toString(),
      ],
    );
    const n = (k: string) => Number(rows[0]![k]);
    waits.sort((a, b) => a - b);
    const wait = (p: number) => Math.round(percentile(waits, p));
    const refusalRows = n("orders") + n("events") + n("outbox") + n("ledger_txs") + n("entries");
    const taken = SEQUENCED.reduce((s, t) => s + Number(after[t]! - before[t]!), 0);
    const rolledBackWrites = taken - (n("events_all") + n("outbox_all") + n("entries_all"));
    const ok =
      sold === opts.codes &&
      refused === opts.keys.length - opts.codes &&
      Object.keys(errors).length === 0 &&
      n("sales") === opts.codes &&
      n("codes_sold") === opts.codes &&
      refusalRows === 0;
    log(
      `sold-out burst: every buyer answered in ${round3(seconds)} s; ${sold} sold, ${refused} refused, errors ` +
        `${JSON.stringify(errors)}; ${refusalRows} rows left by refusals, ${rolledBackWrites} inserts rolled back` +
        `${ok ? "" : " — CHECK FAILED"}; CPU: server ${Math.round(cpu.clientMs)} ms, postgres ` +
        `${Math.round(cpu.postgresMs)} ms, load generator ${Math.round(cpu.selfMs)} ms, others on the machine ` +
        `${cpu.foreignPct}%; answers p50 ${wait(50)} ms, p90 ${wait(90)} ms, p99 ${wait(99)} ms, last ${wait(100)} ms`,
    );
    return { seconds, sold, refused, errors, refusalRows, rolledBackWrites, ok, cpu, waitP99Ms: wait(99) };
  } finally {
    await db.end();
  }
}
