import { spawnSync } from "node:child_process";
import pg from "pg";
import { bench, dbUrl, log } from "../config.ts";

/** The machine's reference figure: pgbench's TPC-B-like run (scale 10, 16 clients) on a database of its own. */
export async function tpcbTps(): Promise<number> {
  const name = "kameng_bench_pgbench";
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: bench.adminUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin(`CREATE DATABASE "${name}"`);
  log(`pgbench: init scale 10 into ${name}`);
  const init = spawnSync("pgbench", ["-i", "-s", "10", "-q", dbUrl(name)], { encoding: "utf8" });
  if (init.status !== 0) throw new Error(`pgbench -i failed: ${init.stderr}`);
  log(`pgbench: TPC-B-like, 16 clients, ${bench.pgbenchSeconds} s`);
  const run = spawnSync("pgbench", ["-c", "16", "-j", "2", "-T", String(bench.pgbenchSeconds), dbUrl(name)], {
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`pgbench failed: ${run.stderr}`);
  const tps = parseTps(run.stdout);
  if (!bench.keepDb) await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  log(`pgbench: ${tps.toFixed(0)} tps`);
  return tps;
}

export function parseTps(out: string): number {
  const m = /tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)/.exec(out);
  if (!m) throw new Error(`cannot parse pgbench output:\n${out}`);
  return Number(m[1]);
}
