import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { openDatabase, pgliteDatabase, type Database } from "../../app/db/database.ts";
import { migrate } from "../../app/db/migrator.ts";
import { pgliteConnection } from "../../app/db/sql-connection.ts";
import { pgUrlFor, TEST_PG_ADMIN_URL } from "./env.ts";
import { ensureTemplate } from "./template-db.ts";

export interface TestDatabase {
  name: string;
  url: string;
  db: Database;
  /** Closes the client and drops the database. */
  drop(): Promise<void>;
}

/** A fresh, migrated PostgreSQL database of this test file's own, cloned from the template. */
export async function createTestDatabase(
  label: string,
  opts: { poolSize?: number; migrated?: boolean } = {},
): Promise<TestDatabase> {
  const safe =
    label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "")
      .slice(0, 24) || "t";
  const name = `kt_${safe}_${process.pid}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  try {
    if (opts.migrated === false) await admin.query(`CREATE DATABASE "${name}"`);
    else await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${await ensureTemplate()}"`);
  } finally {
    await admin.end();
  }
  const url = pgUrlFor(name);
  const db = await openDatabase({ databaseUrl: url, dataDir: "/nonexistent", poolSize: opts.poolSize ?? 20 });
  return {
    name,
    url,
    db,
    async drop() {
      await db.close().catch(() => {});
      const a = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}

/** A migrated in-memory PGlite database (the embedded default's engine). */
export async function createPgliteDatabase(): Promise<Database> {
  const lite = await PGlite.create();
  await migrate(pgliteConnection(lite));
  return pgliteDatabase(lite);
}
