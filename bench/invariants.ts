import pg from "pg";
import { createPgPipelineRunner } from "../app/db/pg-pipeline-runner.ts";
import { createLedger } from "../core/ledger/index.ts";
import { CURRENCIES, systemClock, systemContext, type Currency } from "../core/shared/index.ts";
import { log } from "./config.ts";

/**
 * The invariants over the whole database at the end of the run — the seeded history, the service's
 * orders, the same-SQL pgbench orders and the sold-out burst alike: no code sold twice or short, nothing
 * delivered or settled twice (nor charged twice at the simulated supplier), the ledger balanced and its
 * balances rebuilt from the entries, custody matching customer funds. Set-based reads (the tables hold
 * millions of rows), without the service's statement timeout.
 */

export interface Invariants {
  oversold: number;
  doubleDelivered: number;
  ledgerBalanced: boolean;
}

const count = async (db: pg.Client, sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0]!.n);

export async function checkInvariants(dbUrl: string, simDoubleCharges: number): Promise<Invariants> {
  const t0 = performance.now();
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  const runner = createPgPipelineRunner({ connectionString: dbUrl, max: 1, statementTimeoutMs: 0 });
  try {
    const linkedTwice = await count(
      db,
      `SELECT count(*) AS n FROM (SELECT code_id FROM order_codes GROUP BY code_id HAVING count(*) > 1) d`,
    );
    const short = await count(
      db,
      `SELECT count(*) AS n FROM orders o JOIN products p ON p.id = o.product_id
       LEFT JOIN (SELECT order_id, count(*) AS n FROM codes WHERE status = 'SOLD' AND order_id IS NOT NULL GROUP BY order_id) s
         ON s.order_id = o.id
       WHERE p.delivery_kind = 'CODE' AND o.status = 'DELIVERED' AND COALESCE(s.n, 0) <> o.quantity`,
    );
    const soldToAnother = await count(
      db,
      `SELECT count(*) AS n FROM codes c JOIN order_codes oc ON oc.code_id = c.id WHERE c.order_id IS DISTINCT FROM oc.order_id`,
    );
    const deliveredTwice = await count(
      db,
      `SELECT count(*) AS n FROM (SELECT order_id FROM order_events WHERE to_status = 'DELIVERED'
         GROUP BY order_id HAVING count(*) > 1) d`,
    );
    const settledTwice = await count(
      db,
      `SELECT count(*) AS n FROM (SELECT metadata->>'orderId' FROM ledger_transactions WHERE kind = 'order_settlement'
         GROUP BY metadata->>'orderId' HAVING count(*) > 1) d`,
    );
    const ctx = systemContext("bench", { channel: "cli" });
    const ledger = createLedger({ sql: runner, clock: systemClock });
    const check = await ledger.check(ctx);
    let reconciled = true;
    for (const cur of Object.keys(CURRENCIES) as Currency[]) reconciled &&= (await ledger.reconcile(ctx, cur)).ok;
    const r: Invariants = {
      oversold: linkedTwice + short + soldToAnother,
      doubleDelivered: deliveredTwice + settledTwice + simDoubleCharges,
      ledgerBalanced: check.ok && reconciled,
    };
    if (!check.ok)
      log(
        `ledger check: ${check.unbalanced.length} unbalanced, ${check.mismatched.length} mismatched, ` +
          `${check.heldMismatched.length} held mismatched, negative ${JSON.stringify(check.negative, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}`,
      );
    log(
      `invariants (${((performance.now() - t0) / 1000).toFixed(1)} s): oversold ${r.oversold}, double delivered ` +
        `${r.doubleDelivered}, ledger check ${check.ok}, reconcile ${reconciled}`,
    );
    return r;
  } finally {
    await runner.close();
    await db.end();
  }
}
