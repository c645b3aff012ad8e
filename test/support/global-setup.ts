import pg from "pg";
import { TEST_PG_ADMIN_URL } from "./env.ts";
import { ensureTemplate } from "./template-db.ts";

/** Checks PostgreSQL is reachable, builds the migrated template, and drops databases left by killed runs. */
export default async function setup() {
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  try {
    await admin.connect();
  } catch (e) {
    throw new Error(`tests need PostgreSQL at ${TEST_PG_ADMIN_URL} (start it: see README): ${(e as Error).message}`, {
      cause: e,
    });
  }
  try {
    const stale = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'kt\\_%' AND datname NOT IN (SELECT DISTINCT datname FROM pg_stat_activity WHERE datname IS NOT NULL)`,
    );
    for (const { datname } of stale.rows) {
      const pid = Number(datname.split("_").at(-2));
      if (Number.isFinite(pid) && pid > 0 && isAlive(pid)) continue;
      await admin.query(`DROP DATABASE IF EXISTS "${datname}"`).catch(() => {});
    }
  } finally {
    await admin.end();
  }
  await ensureTemplate();
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
