import { createHash } from "node:crypto";
import pg from "pg";
import { loadMigrations, migrate } from "../../app/db/migrator.ts";
import { connectPostgres } from "../../app/db/sql-connection.ts";
import { SecretBox } from "../../core/shared/index.ts";
import { seedUuid, userId, USER_T0 } from "./ids.ts";
import { batchLayout, priceOf, shapeSizes, SEED_VERSION, type ShapeSizes } from "./layout.ts";
import {
  accountsSql,
  codesSql,
  fundingEntriesSql,
  fundingTransactionsSql,
  ledgerEntriesSql,
  ledgerTransactionsSql,
  orderCodesSql,
  orderEventsSql,
  ordersSql,
  ordersStagingSql,
  outboxSql,
  referenceSql,
  supplierRequestsSql,
  type SeedClock,
} from "./seed-sql.ts";

/**
 * Seeds a production-shaped database (bench/seed/layout.ts) with set-based SQL, and keeps it as a
 * template keyed by (migrations, scale, seed version): a later bench run on the same machine clones it
 * (`CREATE DATABASE … TEMPLATE`) instead of seeding again.
 */

/** The bench's code-encryption key: the seeded ciphertexts and API-key hashes are made with it. */
export const BENCH_CODE_KEY = createHash("sha256").update(`kameng bench shape v${SEED_VERSION}`).digest("base64");
/** The API key of seeded user n (n ≤ sizes.apiKeys). */
export const benchApiKey = (n: number) =>
  `kmg_live_${createHash("sha256").update(`bench api key ${n}`).digest("base64url").slice(0, 32)}`;
const codePlain = (id: number) => `BENCH-S${SEED_VERSION}-${id}`;

/** Tables bulk-loaded with their secondary indexes dropped (rebuilt once, after the load). */
const LOADED = [
  "users",
  "channel_identities",
  "api_keys",
  "ledger_accounts",
  "ledger_transactions",
  "ledger_entries",
  "codes",
  "code_batches",
  "orders",
  "order_events",
  "order_codes",
  "outbox_events",
  "supplier_requests",
];

export type Log = (msg: string) => void;

export interface ShapeTemplate {
  name: string;
  sizes: ShapeSizes;
  /** Seconds spent seeding (0 when the cached template was used). */
  seedSeconds: number;
  reused: boolean;
}

export async function shapeTemplateName(scale: number): Promise<string> {
  const h = createHash("sha256").update(`seed v${SEED_VERSION} scale ${scale}`);
  for (const m of await loadMigrations()) h.update(m.name).update(m.checksum);
  return `kameng_shape_${String(scale).replace(/\W/g, "_")}_${h.digest("hex").slice(0, 12)}`;
}

const dbUrl = (adminUrl: string, name: string) => {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
};

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * The seeded template for `scale`, built now unless it exists (or `force`). Concurrent bench runs wait
 * for one another's build (an advisory lock). Superseded templates of the same scale are dropped.
 */
export async function ensureShapeTemplate(opts: {
  adminUrl: string;
  scale: number;
  force?: boolean;
  log: Log;
}): Promise<ShapeTemplate> {
  const sizes = shapeSizes(opts.scale);
  const name = await shapeTemplateName(opts.scale);
  return withClient(opts.adminUrl, async (admin) => {
    await admin.query("SELECT pg_advisory_lock(727071151)");
    try {
      const exists = (await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount === 1;
      if (exists && !opts.force) return { name, sizes, seedSeconds: 0, reused: true };
      const started = performance.now();
      const building = `${name}_build`;
      await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${building}"`);
      try {
        const conn = await connectPostgres(dbUrl(opts.adminUrl, building));
        try {
          await migrate(conn);
        } finally {
          await conn.close();
        }
        await withClient(dbUrl(opts.adminUrl, building), (c) => seedShape(c, sizes, { endMs: Date.now() }, opts.log));
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
      } catch (e) {
        await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`).catch(() => {});
        throw e;
      }
      const prefix = name.slice(0, name.lastIndexOf("_") + 1);
      const stale = await admin.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE starts_with(datname, $1) AND datname <> $2 AND datname NOT LIKE '%\\_build'",
        [prefix, name],
      );
      for (const { datname } of stale.rows) {
        opts.log(`seed: dropping the superseded template ${datname}`);
        await admin.query(`DROP DATABASE IF EXISTS "${datname}"`).catch((e: Error) => opts.log(`  kept: ${e.message}`));
      }
      return { name, sizes, seedSeconds: (performance.now() - started) / 1000, reused: false };
    } finally {
      await admin.query("SELECT pg_advisory_unlock(727071151)").catch(() => {});
    }
  });
}

/** A database of our own, cloned from the template (file copy: fast for a large template). */
export async function cloneShape(adminUrl: string, template: string, name: string): Promise<string> {
  await withClient(adminUrl, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}" STRATEGY = FILE_COPY`);
  });
  return dbUrl(adminUrl, name);
}

/** Writes the whole shape into a migrated, empty database `c` is connected to. */
export async function seedShape(c: pg.Client, z: ShapeSizes, clock: SeedClock, log: Log): Promise<void> {
  const box = new SecretBox(Buffer.from(BENCH_CODE_KEY, "base64"));
  const step = async (label: string, statements: string | string[]) => {
    const t0 = performance.now();
    let rows = 0;
    for (const s of [statements].flat()) rows += (await c.query(s)).rowCount ?? 0;
    log(`seed: ${label}: ${rows.toLocaleString("en")} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };
  await c.query(`SET synchronous_commit = off; SET maintenance_work_mem = '512MB'; SET work_mem = '128MB';
    SET statement_timeout = 0`);
  // Bulk load: no triggers (the ledger's balance check would run once per entry) and no foreign-key
  // checks; the rows are right by construction, and the bench's invariant checks read them all.
  await c.query("SET session_replication_role = replica");
  const { rows: indexes } = await c.query<{ name: string; def: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
     FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
     WHERE t.relnamespace = 'public'::regnamespace AND t.relname = ANY($1)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)`,
    [LOADED],
  );
  for (const i of indexes) await c.query(`DROP INDEX ${i.name}`);

  const batches = batchLayout(z, clock.endMs);
  await c.query(`CREATE UNLOGGED TABLE bench_seed_products (n int PRIMARY KEY, price bigint, cost bigint, direct boolean);
    CREATE UNLOGGED TABLE bench_seed_batches (index int, product int, first_code bigint, size int, sold int,
      sold_before bigint, imported_at bigint, expires_at bigint, unsold text);
    CREATE UNLOGGED TABLE bench_seed_enc (id bigint PRIMARY KEY, hash text, code_enc text, password_enc text)`);
  const products = Array.from({ length: z.products }, (_, i) => i + 1);
  await c.query(
    `INSERT INTO bench_seed_products SELECT * FROM unnest($1::int[], $2::bigint[], $3::bigint[], $4::boolean[])`,
    [
      products,
      products.map((p) => priceOf(z, p).price),
      products.map((p) => priceOf(z, p).cost),
      products.map((p) => p > z.codeProducts),
    ],
  );
  const col = <K extends keyof (typeof batches)[number]>(k: K) => batches.map((b) => b[k]);
  await c.query(
    `INSERT INTO bench_seed_batches SELECT * FROM unnest($1::int[], $2::int[], $3::bigint[], $4::int[], $5::int[],
       $6::bigint[], $7::bigint[], $8::bigint[], $9::text[])`,
    [
      col("index"),
      col("product"),
      col("firstCode"),
      col("size"),
      col("sold"),
      col("soldBefore"),
      col("importedAt"),
      col("expiresAt"),
      col("unsold"),
    ],
  );
  // Unsold codes are real ciphertexts under the bench key: the service decrypts what it sells.
  let t0 = performance.now();
  let encrypted = 0;
  for (const b of batches) {
    const ids: number[] = [];
    for (let i = b.sold; i < b.size; i++) ids.push(b.firstCode + i);
    for (let at = 0; at < ids.length; at += 5000) {
      const chunk = ids.slice(at, at + 5000);
      await c.query(
        "INSERT INTO bench_seed_enc SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[])",
        [
          chunk,
          chunk.map((id) => box.keyedHash(codePlain(id), "code")),
          chunk.map((id) => box.encrypt(codePlain(id))),
          chunk.map((id) => box.encrypt(`pw${id}`)),
        ],
      );
      encrypted += chunk.length;
    }
  }
  log(
    `seed: ${encrypted.toLocaleString("en")} unsold codes encrypted in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  const hasPublishedAt =
    (
      await c.query(
        "SELECT 1 FROM information_schema.columns WHERE table_name = 'outbox_events' AND column_name = 'published_at'",
      )
    ).rowCount === 1;
  // A slice of 100,000 orders (or codes) per statement: no transaction stays open for long.
  const slices = (n: number, per: number, col: string) =>
    Array.from({ length: Math.ceil(n / per) }, (_, i) => `${col} > ${i * per} AND ${col} <= ${(i + 1) * per}`);
  const bySlot = <T>(f: (slice: string) => T) => slices(z.slots, 100_000, "s.j").map(f);
  await step("catalog, suppliers, batches, users", referenceSql(z, clock));
  await step("order staging", [
    ordersStagingSql(z, clock),
    "CREATE INDEX ON bench_seed_orders (j)",
    "ANALYZE bench_seed_orders",
  ]);
  await step("orders", bySlot(ordersSql));
  await step("order events", bySlot(orderEventsSql));
  await step(
    "outbox",
    bySlot((s) => outboxSql(hasPublishedAt, s)),
  );
  await step("ledger transactions", [fundingTransactionsSql(z), ...bySlot(ledgerTransactionsSql)]);
  await step("ledger entries", [fundingEntriesSql(z), ...bySlot(ledgerEntriesSql)]);
  await step("ledger accounts", accountsSql(z));
  await step(
    "codes",
    slices(batches.length, Math.ceil(100_000 / z.batchSize), "b.index").map((s) => codesSql(z, clock, s)),
  );
  await step("order codes", bySlot(orderCodesSql));
  await step(
    "supplier requests",
    bySlot((s) => supplierRequestsSql(z, clock, s)),
  );
  const keyUsers = Array.from({ length: z.apiKeys }, (_, i) => i + 1);
  await c.query(
    `INSERT INTO api_keys (id, name, prefix, key_hash, user_id, created_at)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::timestamptz[])`,
    [
      keyUsers.map((n) => seedUuid("apiKey", n, USER_T0 + n * 1000)),
      keyUsers.map(() => "bench"),
      keyUsers.map((n) => benchApiKey(n).slice(0, 13)),
      keyUsers.map((n) => box.keyedHash(benchApiKey(n), "api-key")),
      keyUsers.map((n) => userId(n)),
      keyUsers.map((n) => new Date(USER_T0 + n * 1000)),
    ],
  );
  await c.query("SELECT setval(pg_get_serial_sequence('codes', 'id'), (SELECT max(id) FROM codes))");
  // Event consumers with their own cursors (docs/events.md) start after the history: nothing to replay.
  const consumers = await c.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'event_consumers'");
  if (consumers.rowCount === 1)
    await c.query(`UPDATE event_consumers SET cursor_tx_id = (SELECT COALESCE(max(tx_id), 0) FROM outbox_events),
      cursor_id = (SELECT COALESCE(max(id), 0) FROM outbox_events)`);
  await c.query("DROP TABLE bench_seed_orders, bench_seed_products, bench_seed_batches, bench_seed_enc");
  await c.query("SET session_replication_role = origin");

  t0 = performance.now();
  for (const i of indexes) await c.query(i.def);
  log(`seed: ${indexes.length} indexes built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  t0 = performance.now();
  await c.query("VACUUM (ANALYZE)");
  log(`seed: VACUUM ANALYZE in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
