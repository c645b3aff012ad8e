import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SqlConnection } from "../../app/db/sql-connection.ts";
import { createTestDatabase, type TestDatabase } from "../support/databases.ts";
import { readPrismaSchema, type TableSpec } from "../support/prisma-schema.ts";

const SCHEMA = path.resolve(import.meta.dirname, "../../prisma/schema.prisma");

interface DbColumn {
  table_name: string;
  column_name: string;
  sql_type: string;
  is_nullable: "YES" | "NO";
}
interface DbIndex {
  table: string;
  unique: boolean;
  primary: boolean;
  partial: boolean;
  columns: string[];
}

async function readDatabase(conn: SqlConnection) {
  const columns = await conn.query<DbColumn>(`
    SELECT c.table_name, c.column_name, c.is_nullable,
           format_type(a.atttypid, a.atttypmod) AS sql_type
    FROM information_schema.columns c
    JOIN pg_attribute a ON a.attrelid = format('%I.%I', c.table_schema, c.table_name)::regclass AND a.attname = c.column_name
    WHERE c.table_schema = 'public' AND c.table_name <> '_prisma_migrations'`);
  const indexes = await conn.query<{
    table: string;
    unique: boolean;
    primary: boolean;
    partial: boolean;
    columns: string[];
  }>(`
    SELECT t.relname AS table, i.indisunique AS unique, i.indisprimary AS primary, i.indpred IS NOT NULL AS partial,
           array_agg(a.attname::text ORDER BY k.ord) AS columns
    FROM pg_index i
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
    CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
    WHERE t.relname <> '_prisma_migrations'
    GROUP BY t.relname, i.indexrelid, i.indisunique, i.indisprimary, i.indpred`);
  return { columns, indexes: indexes as DbIndex[] };
}

const key = (cols: string[]) => cols.join(",");

/** Each side rendered as sorted lines; equal lists mean the schema and the migrations agree. */
function describeBoth(specs: TableSpec[], db: Awaited<ReturnType<typeof readDatabase>>) {
  const schema = {
    tables: specs.map((s) => s.table).sort(),
    columns: specs
      .flatMap((s) => s.columns.map((c) => `${s.table}.${c.name} ${c.sqlType}${c.nullable ? " NULL" : ""}`))
      .sort(),
    indexes: specs
      .flatMap((s) => [
        `${s.table} PK(${key(s.primaryKey)})`,
        ...s.uniques.map((u) => `${s.table} UNIQUE(${key(u)})`),
        ...s.indexes.map((i) => `${s.table} INDEX(${key(i)})`),
      ])
      .sort(),
  };
  const database = {
    tables: [...new Set(db.columns.map((c) => c.table_name))].sort(),
    columns: db.columns
      .map((c) => `${c.table_name}.${c.column_name} ${c.sql_type}${c.is_nullable === "YES" ? " NULL" : ""}`)
      .sort(),
    // Partial indexes (e.g. the stock-claim index) live only in the migrations: Prisma cannot express them.
    indexes: db.indexes
      .filter((i) => !i.partial)
      .map((i) => `${i.table} ${i.primary ? "PK" : i.unique ? "UNIQUE" : "INDEX"}(${key(i.columns)})`)
      .sort(),
  };
  return { schema, database };
}

describe("schema.prisma and the SQL migrations agree", () => {
  let t: TestDatabase;
  let db: Awaited<ReturnType<typeof readDatabase>>;

  beforeAll(async () => {
    t = await createTestDatabase("drift");
    const conn = await t.db.connect();
    try {
      db = await readDatabase(conn);
    } finally {
      await conn.close();
    }
  });
  afterAll(() => t.drop());

  it("has the same tables, columns, types, nullability, keys and indexes", async () => {
    const { schema, database } = describeBoth(await readPrismaSchema(SCHEMA), db);
    expect(database.tables).toEqual(schema.tables);
    expect(database.columns).toEqual(schema.columns);
    expect(database.indexes).toEqual(schema.indexes);
  });

  it("notices a schema edit that has no migration", async () => {
    const original = await readFile(SCHEMA, "utf8");
    const edited = original
      .replace(/failureReason(\s+)String\?/, "failureReason$1String")
      .replace("model Order {", "model Order {\n  couponCode String?");
    expect(edited).not.toBe(original);
    const file = path.join(await mkdtemp(path.join(tmpdir(), "drift-")), "schema.prisma");
    await writeFile(file, edited);
    const { schema, database } = describeBoth(await readPrismaSchema(file), db);
    const missing = schema.columns.filter((c) => !database.columns.includes(c));
    expect(missing).toEqual(["orders.couponCode text NULL", "orders.failure_reason text"]);
  });
});
