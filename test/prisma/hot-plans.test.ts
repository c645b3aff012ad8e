import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalog } from "../../core/catalog/index.ts";
import { createInventory } from "../../core/inventory/index.ts";
import { createOrderReads, createOrderStore, encodePricing, retailPricing } from "../../core/orders/index.ts";
import { ManualClock, newId, SecretBox, systemContext, type Sql, type SqlTx } from "../../core/shared/index.ts";
import { createTestDatabase, type TestDatabase } from "../support/databases.ts";

/**
 * The hot statements run as named prepared statements with `plan_cache_mode=force_generic_plan`
 * (app/db/pg-pipeline-runner.ts): planned once, without the parameter values. A generic plan that is fine on a fresh
 * table can flip once the table has statistics (the claim walked `codes_pkey` and filtered every code of
 * every product). So: a production-shaped database, ANALYZEd, and each statement's generic plan — taken
 * from the exact SQL the code sends — must reach the big tables through an index condition.
 */

const PRODUCTS = 20;
const CODES = 60_000;
const ORDERS = 60_000;
const BIG_TABLES = new Set(["codes", "orders", "order_events", "order_codes", "ledger_entries", "outbox_events"]);

/** Plan nodes that read a table (a Bitmap Heap Scan's condition is on its Bitmap Index Scan child). */
const SCANS = new Set(["Seq Scan", "Index Scan", "Index Only Scan"]);

const productId = (n: number) => `00000000-0000-4000-8001-${String(n).padStart(12, "0")}`;
/** Imported last, with stock: its codes have the highest ids. */
const LAST_PRODUCT = productId(PRODUCTS - 1);
/** Sold out: every code it ever had is SOLD. */
const SOLD_OUT = productId(PRODUCTS);

interface Captured {
  text: string;
  values: unknown[];
}

/**
 * A `SqlTx` that records each statement the code hands the port and answers with `answer` (the code
 * under test is not run for real): exactly the statements the runner would prepare.
 */
function recorder(answer: (text: string) => unknown[] = () => []) {
  const statements: Captured[] = [];
  const record = <R>(s: Sql) => {
    statements.push({ text: s.text, values: s.values });
    return Promise.resolve(answer(s.text) as R[]);
  };
  const tx: SqlTx = {
    query: record,
    execute: (s) => record(s).then(() => 0),
    send: (s) => void record(s),
    queryAndCommit: record,
    savepoint: (fn) => fn(),
  };
  return { tx, statements };
}

function literal(client: pg.Client, v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (Array.isArray(v))
    return client.escapeLiteral(
      `{${v.map((x) => (x === null ? "NULL" : `"${String(x).replace(/["\\]/g, "\\$&")}"`)).join(",")}}`,
    );
  if (v instanceof Date) return client.escapeLiteral(v.toISOString());
  return client.escapeLiteral(String(v));
}

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Index Cond"?: string;
  "Recheck Cond"?: string;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
}

function* nodes(n: PlanNode): Generator<PlanNode> {
  yield n;
  for (const c of n.Plans ?? []) yield* nodes(c);
}

/** Scans of a big table that read it without an index condition (a sequential scan or a whole-index walk). */
function unboundedScans(plan: PlanNode): string[] {
  const bad: string[] = [];
  for (const n of nodes(plan)) {
    const rel = n["Relation Name"];
    if (!rel || !BIG_TABLES.has(rel) || !SCANS.has(n["Node Type"])) continue;
    if (!n["Index Cond"]) bad.push(`${n["Node Type"]} on ${rel}${n["Index Name"] ? ` using ${n["Index Name"]}` : ""}`);
  }
  return bad;
}

describe("hot statements on an ANALYZEd, production-shaped database (generic plans)", () => {
  let testDb: TestDatabase;
  let client: pg.Client;
  let seq = 0;
  const now = new Date("2026-12-01T12:00:00Z");
  const clock = new ManualClock(now);
  const ctx = systemContext("plans");

  beforeAll(async () => {
    testDb = await createTestDatabase("hotplans", { poolSize: 2 });
    client = new pg.Client({ connectionString: testDb.url });
    await client.connect();
    await client.query(`
      INSERT INTO categories (id, slug, name_zh, name_en) VALUES ('00000000-0000-4000-8000-000000000001', 'c', 'c', 'c');
      INSERT INTO products (id, sku, category_id, name_zh, name_en, face_value, currency, price, delivery_kind)
        SELECT ('00000000-0000-4000-8001-' || lpad(g::text, 12, '0'))::uuid, 'P' || g, '00000000-0000-4000-8000-000000000001',
               'p', 'p', 100, 'CNY', 100, 'CODE'
        FROM generate_series(1, ${PRODUCTS}) g;
      INSERT INTO code_batches (id, product_id, source)
        VALUES ('00000000-0000-4000-8000-000000000009', '00000000-0000-4000-8001-000000000001', 'plans');
      -- Codes of every product interleaved (imports and claims scatter them); the oldest SOLD, most
      -- AVAILABLE, a few expired; the last product's stock imported last; the sold-out one all SOLD.
      INSERT INTO codes (product_id, batch_id, code_hash, code_enc, status, expires_at)
        SELECT ('00000000-0000-4000-8001-' || lpad(CASE WHEN g > ${CODES} - 500 THEN ${PRODUCTS - 1}
                                                  ELSE 1 + (g * 7919) % ${PRODUCTS} END::text, 12, '0'))::uuid,
               '00000000-0000-4000-8000-000000000009', 'h' || g, 'enc' || g,
               CASE WHEN g < ${CODES} * 0.2 OR (g * 7919) % ${PRODUCTS} = ${PRODUCTS - 1} THEN 'SOLD'
                    WHEN g % 97 = 0 THEN 'RESERVED' ELSE 'AVAILABLE' END,
               CASE WHEN g % 53 = 0 THEN timestamptz '2026-11-01' END
        FROM generate_series(1, ${CODES}) g;
      INSERT INTO orders (id, user_id, idempotency_key, request_hash, channel, product_id, quantity, unit_price, total,
                          currency, status, expires_at, created_at, updated_at)
        SELECT gen_random_uuid(), ('00000000-0000-4000-8002-' || lpad((g % 20000)::text, 12, '0'))::uuid, 'k' || g, 'h',
               'http', '00000000-0000-4000-8001-000000000001', 1, 100, 100, 'CNY',
               CASE WHEN g % 500 = 0 THEN 'CREATED' WHEN g % 700 = 0 THEN 'PAID' ELSE 'DELIVERED' END,
               timestamptz '2026-11-01' + g * interval '1 second', timestamptz '2026-11-01' + g * interval '1 second',
               timestamptz '2026-11-01' + g * interval '1 second'
        FROM generate_series(1, ${ORDERS}) g;
      INSERT INTO order_events (order_id, from_status, to_status) SELECT id, NULL, 'CREATED' FROM orders;
      ANALYZE;`);
    await client.query("SET plan_cache_mode = force_generic_plan");
  }, 180_000);

  afterAll(async () => {
    await client?.end();
    await testDb?.drop();
  });

  /** The generic plan of `s`, prepared as the service prepares it. `analyze`: run it (rolled back). */
  async function explain(s: Captured, analyze = false): Promise<PlanNode> {
    const name = `s${++seq}`;
    await client.query(`PREPARE ${name} AS ${s.text}`);
    try {
      const args = s.values.length ? `(${s.values.map((v) => literal(client, v)).join(", ")})` : "";
      if (analyze) await client.query("BEGIN");
      try {
        const res = await client.query<{ "QUERY PLAN": Array<{ Plan: PlanNode }> }>(
          `EXPLAIN (FORMAT JSON${analyze ? ", ANALYZE" : ""}) EXECUTE ${name}${args}`,
        );
        return res.rows[0]!["QUERY PLAN"][0]!.Plan;
      } finally {
        if (analyze) await client.query("ROLLBACK");
      }
    } finally {
      await client.query(`DEALLOCATE ${name}`);
    }
  }

  const inventory = () =>
    createInventory({
      prisma: undefined as never,
      sql: undefined as never,
      catalog: undefined as never,
      clock,
      secrets: new SecretBox(Buffer.alloc(32, 1)),
    });

  async function claimStatement(product: string, sell: boolean): Promise<Captured> {
    const r = recorder(() => [{ short: null, picked: 0, ids: [], enc: null }]);
    await inventory().claim(
      ctx,
      { productId: product, orderId: newId(), quantity: 1 },
      {
        tx: r.tx,
        freshOrder: true,
        sell,
        failIfShort: false,
      },
    );
    expect(r.statements).toHaveLength(1);
    return r.statements[0]!;
  }

  it("the code claim reaches codes only through codes_sellable_idx, and a sold-out claim reads almost nothing", async () => {
    for (const sell of [true, false]) {
      const plan = await explain(await claimStatement(SOLD_OUT, sell));
      expect(unboundedScans(plan)).toEqual([]);
      const claimScan = [...nodes(plan)].find(
        (n) => n["Relation Name"] === "codes" && n["Index Name"] !== "codes_pkey",
      );
      expect(claimScan?.["Index Name"]).toBe("codes_sellable_idx");
    }
    for (const product of [SOLD_OUT, LAST_PRODUCT]) {
      const plan = await explain(await claimStatement(product, true), true);
      const removed = [...nodes(plan)].reduce((s, n) => s + (n["Rows Removed by Filter"] ?? 0), 0);
      expect(
        removed,
        `rows filtered claiming ${product === SOLD_OUT ? "a sold-out" : "the last-imported"} product`,
      ).toBeLessThan(50);
    }
  });

  it("stock counts for shop windows and restock checks use the index", async () => {
    const r = recorder();
    await inventory().availableCounts(ctx, { productIds: [LAST_PRODUCT, SOLD_OUT] }, { tx: r.tx });
    await inventory().dueRestockNotifications(ctx, { productId: SOLD_OUT }, { tx: r.tx });
    expect(r.statements.length).toBeGreaterThanOrEqual(1);
    for (const s of r.statements) expect(unboundedScans(await explain(s)), s.text).toEqual([]);
  });

  it("order reads, the expiry and stuck-order sweeps, inserts and transitions use indexes", async () => {
    const store = createOrderStore({ clock });
    const catalog = createCatalog({ prisma: undefined as never, sql: undefined as never, clock });
    const r = recorder(() => [{}]);
    const orderId = newId();
    const userId = "00000000-0000-4000-8002-000000000007";
    await store.get(r.tx, orderId);
    await store.getForUpdate(r.tx, orderId);
    await store.findByIdempotencyKey(r.tx, userId, "k1");
    await store.findByIdempotencyKeys(r.tx, [
      { userId, idempotencyKey: "k1" },
      { userId: "00000000-0000-4000-8002-000000000008", idempotencyKey: "k2" },
    ]);
    const reads = createOrderReads();
    await reads.get(r.tx, orderId);
    await reads.byNumber(r.tx, "K7M2-9QX4");
    await reads.listForUser(r.tx, userId, { limit: 20 });
    await reads.listForUser(r.tx, userId, { limit: 20, before: now });
    await store.events(r.tx, orderId);
    await store.dueForExpiry(r.tx, 500);
    await store.stuck(r.tx, 30_000, 200);
    await store.transition(r.tx, { orderId, path: ["PAID", "FULFILLING"] });
    await store.insert(
      r.tx,
      {
        id: orderId,
        userId,
        idempotencyKey: "k-new",
        requestHash: "h",
        channel: "http",
        productId: LAST_PRODUCT,
        quantity: 1,
        unitPrice: 100n,
        total: 100n,
        currency: "CNY",
        target: null,
        pricing: encodePricing(retailPricing({ currency: "CNY", quantity: 1, unitPrice: 100n, total: 100n })),
        expiresAt: now,
      },
      { guard: catalog.stillOnSale(LAST_PRODUCT, 1) },
    );
    expect(r.statements).toHaveLength(13);
    for (const s of r.statements) expect(unboundedScans(await explain(s)), s.text).toEqual([]);
  });
});
