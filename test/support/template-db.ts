import { createHash } from "node:crypto";
import pg from "pg";
import { loadMigrations, migrate } from "../../app/db/migrator.ts";
import { connectPostgres } from "../../app/db/sql-connection.ts";
import { pgUrlFor, TEST_PG_ADMIN_URL } from "./env.ts";

/** The name of a template database holding exactly the current migrations. */
export async function templateName(): Promise<string> {
  const ms = await loadMigrations();
  const h = createHash("sha256");
  for (const m of ms) h.update(m.name).update(m.checksum);
  return `kameng_tpl_${h.digest("hex").slice(0, 16)}`;
}

/** Creates (once, under a lock shared by concurrent test runs) the migrated template database. */
export async function ensureTemplate(): Promise<string> {
  const name = await templateName();
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query("SELECT pg_advisory_lock(727071150)");
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (exists.rowCount === 0) {
      const building = `${name}_build`;
      await admin.query(`DROP DATABASE IF EXISTS "${building}"`);
      await admin.query(`CREATE DATABASE "${building}"`);
      const conn = await connectPostgres(pgUrlFor(building));
      try {
        await migrate(conn);
      } finally {
        await conn.close();
      }
      await admin.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
    }
    return name;
  } finally {
    await admin.query("SELECT pg_advisory_unlock(727071150)").catch(() => {});
    await admin.end();
  }
}
