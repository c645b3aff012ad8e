import { spawnSync } from "node:child_process";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLedger } from "../../core/ledger/index.ts";
import { SecretBox, systemClock, systemContext } from "../../core/shared/index.ts";
import { SCRIPT_FILES } from "../../bench/pgbench/order-scripts.ts";
import { productId } from "../../bench/seed/ids.ts";
import { shapeSizes } from "../../bench/seed/layout.ts";
import { BENCH_CODE_KEY, benchApiKey, seedShape } from "../../bench/seed/seed.ts";
import { createTestDatabase, type TestDatabase } from "../support/databases.ts";

const root = path.resolve(import.meta.dirname, "../..");
const havePgbench = spawnSync("pgbench", ["--version"]).status === 0;
const z = shapeSizes(0.002);

/**
 * The seed at a tiny scale: the rows it writes are ones the service's own checks accept (ledger
 * balanced and rebuilt from its entries, custody reconciled, no code sold twice), its stock decrypts
 * under the bench key, and the committed pgbench scripts run on it and leave it just as sound.
 */
describe("the production-shaped seed (tiny scale)", () => {
  let testDb: TestDatabase;
  let db: pg.Client;
  const ctx = systemContext("test");

  beforeAll(async () => {
    testDb = await createTestDatabase("seedshape", { poolSize: 2 });
    db = new pg.Client({ connectionString: testDb.url });
    await db.connect();
    const seeder = new pg.Client({ connectionString: testDb.url });
    await seeder.connect();
    try {
      await seedShape(seeder, z, { endMs: Date.now() }, () => {});
    } finally {
      await seeder.end();
    }
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await testDb?.drop();
  });

  const sound = async () => {
    const ledger = createLedger({ sql: testDb.db.sql, clock: systemClock });
    const check = await ledger.check(ctx);
    expect(check.ok, JSON.stringify(check.unbalanced.slice(0, 3))).toBe(true);
    expect((await ledger.reconcile(ctx, "CNY")).ok).toBe(true);
    const { rows } = await db.query<{ twice: string; short: string }>(`SELECT
      (SELECT count(*) FROM (SELECT code_id FROM order_codes GROUP BY code_id HAVING count(*) > 1) d) AS twice,
      (SELECT count(*) FROM orders o JOIN products p ON p.id = o.product_id
        WHERE p.delivery_kind = 'CODE' AND o.status = 'DELIVERED'
          AND (SELECT count(*) FROM codes c WHERE c.order_id = o.id AND c.status = 'SOLD') <> o.quantity) AS short`);
    expect(rows[0]).toEqual({ twice: "0", short: "0" });
  };

  it("writes the history the service would have written, and the service's checks accept it", async () => {
    const { rows } = await db.query<Record<string, string>>(`SELECT
      (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM products) AS products,
      (SELECT count(*) FROM codes) AS codes, (SELECT count(*) FROM orders) AS orders,
      (SELECT count(*) FROM orders WHERE status = 'DELIVERED') AS delivered,
      (SELECT count(*) FROM codes WHERE status = 'SOLD') AS sold,
      (SELECT count(*) FROM api_keys) AS keys`);
    expect(rows[0]).toMatchObject({
      users: String(z.users),
      products: String(z.products),
      codes: String(z.codes),
      orders: String(z.slots),
      sold: String(z.stockOrders),
      keys: String(z.apiKeys),
    });
    await sound();
  });

  it("stocks the hot products with codes the bench key decrypts, and API keys that verify", async () => {
    const box = new SecretBox(Buffer.from(BENCH_CODE_KEY, "base64"));
    const { rows } = await db.query<{ code_enc: string; code_hash: string }>(
      `SELECT code_enc, code_hash FROM codes WHERE product_id = $1 AND status = 'AVAILABLE' ORDER BY id LIMIT 1`,
      [productId(1)],
    );
    const code = box.decrypt(rows[0]!.code_enc);
    expect(code).toMatch(/^BENCH-/);
    expect(box.keyedHash(code, "code")).toBe(rows[0]!.code_hash);
    const key = await db.query("SELECT 1 FROM api_keys WHERE key_hash = $1", [
      box.keyedHash(benchApiKey(1), "api-key"),
    ]);
    expect(key.rowCount).toBe(1);
  });

  it.skipIf(!havePgbench)(
    "runs the committed same-SQL scripts, every transaction an order, and stays sound",
    async () => {
      const before = await db.query<{ n: string }>("SELECT count(*) AS n FROM orders WHERE status = 'DELIVERED'");
      for (const file of Object.values(SCRIPT_FILES)) {
        const r = spawnSync(
          "pgbench",
          [
            "-n",
            "-M",
            "prepared",
            "-f",
            path.join(root, file),
            "-c",
            "3",
            "-t",
            "5",
            ...["-D", `users=${z.users}`, "-D", `hot=${z.hotProducts}`],
            ...["-D", `direct_first=${z.codeProducts + 1}`, "-D", `direct_last=${z.products}`],
            testDb.url,
          ],
          { encoding: "utf8", env: { ...process.env, PGOPTIONS: "-c plan_cache_mode=force_generic_plan" } },
        );
        expect(r.stderr).not.toMatch(/error/i);
        expect(r.stdout).toContain("number of transactions actually processed: 15/15");
      }
      const after = await db.query<{ n: string }>("SELECT count(*) AS n FROM orders WHERE status = 'DELIVERED'");
      expect(Number(after.rows[0]!.n) - Number(before.rows[0]!.n)).toBe(30);
      await sound();
    },
  );
});
