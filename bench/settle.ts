import pg from "pg";

/**
 * Lets PostgreSQL finish the last phase's housekeeping before the next phase is timed: waits (up to
 * `maxMs`) until no autovacuum worker has run for a second, then writes a CHECKPOINT. Without it, a
 * phase that follows the order runs shares the machine with autovacuum going over their dead rows and
 * with the checkpoint their WAL brings on: noise in its latencies that is not its own. Answers what it
 * waited for, for the log.
 */
export async function settlePostgres(adminUrl: string, maxMs = 60_000): Promise<{ waitedMs: number }> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  const started = performance.now();
  try {
    let quietSince = performance.now();
    while (performance.now() - started < maxMs) {
      const { rows } = await c.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'",
      );
      if (rows[0]!.n > 0) quietSince = performance.now();
      else if (performance.now() - quietSince >= 1_000) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await c.query("CHECKPOINT");
    return { waitedMs: Math.round(performance.now() - started) };
  } finally {
    await c.end();
  }
}
