import { existsSync } from "node:fs";
import path from "node:path";

/** The bench's knobs (documented at the top of bench/run.ts and in the README's Development section). */
const env = process.env;
const num = (name: string, dflt: number) => (env[name] ? Number(env[name]) : dflt);

// The local socket when there is one (cheaper than TCP loopback for both pgbench and the app), else TCP.
const SOCKET_DIR = "/var/run/postgresql";

export const bench = {
  /** Seconds of the mixed run (stock orders plus a DIRECT share). */
  seconds: num("BENCH_SECONDS", 30),
  /** Seconds of each single-kind run (stock only, then DIRECT only). 0 skips both. */
  kindSeconds: num("BENCH_KIND_SECONDS", 15),
  /** Seconds of load per side per round of the risk on/off comparison (issue 14 §6); 0 skips the risk figures. */
  riskSeconds: num("BENCH_RISK_SECONDS", num("BENCH_KIND_SECONDS", 15)),
  /** The longest slice of the risk on/off load (bench/risk.ts interleaves the two servers in slices). */
  riskSliceSeconds: num("BENCH_RISK_SLICE_SECONDS", 1.5),
  /** Seconds of the TPC-B-like reference pgbench. */
  pgbenchSeconds: num("PGBENCH_SECONDS", 10),
  /** Seconds of each same-SQL pgbench run (stock script, DIRECT script). 0 skips them. */
  sameSqlSeconds: num("BENCH_SAME_SQL_SECONDS", 10),
  /** Concurrent buyers (closed loop); the same-SQL pgbench runs this many clients unless BENCH_SAME_SQL_CLIENTS. */
  concurrency: num("BENCH_CONCURRENCY", 48),
  sameSqlClients: num("BENCH_SAME_SQL_CLIENTS", num("BENCH_CONCURRENCY", 48)),
  directShare: num("BENCH_DIRECT_SHARE", 0.1),
  /** Share of the buyers (API keys) who are L2 distributors with a referrer: their orders go through the chain. */
  chainShare: num("BENCH_CHAIN_SHARE", 0.25),
  /** Seeded users whose API keys the load uses (≤ the seed's API keys). */
  buyers: num("BENCH_BUYERS", 200),
  /** The seeded database's size: 1 = 1,000,000 codes, 100,000 users, 1,000,000 orders (bench/seed/layout.ts). */
  shapeScale: num("BENCH_SHAPE_SCALE", 1),
  /** Seed the template again even when one for these migrations, scale and seed version exists. */
  reseed: env.BENCH_RESEED === "1",
  /** The sold-out burst: this many concurrent buyers of one product with `soldoutCodes` codes. 0 skips it. */
  soldoutBuyers: num("BENCH_SOLDOUT_BUYERS", 1000),
  soldoutCodes: num("BENCH_SOLDOUT_CODES", 50),
  /** 0 = job workers inside the server; n = n separate `worker` processes. */
  workers: num("BENCH_WORKERS", 0),
  /** n `serve` processes (buyers spread over them), as behind a load balancer. */
  servers: num("BENCH_SERVERS", 1),
  poolSize: env.BENCH_POOL_SIZE ?? "20",
  workerConcurrency: env.BENCH_WORKER_CONCURRENCY ?? "32",
  serverNodeArgs: env.BENCH_SERVER_NODE_ARGS ? env.BENCH_SERVER_NODE_ARGS.split(" ") : [],
  keepDb: env.BENCH_KEEP_DB === "1",
  telegram: env.BENCH_TELEGRAM !== "0",
  /** The WeChat mode (bench/wechat/run.ts, mock puppet); BENCH_WECHAT=0 skips it. */
  wechat: env.BENCH_WECHAT !== "0",
  adminUrl:
    env.BENCH_PG_ADMIN_URL ??
    (existsSync(`${SOCKET_DIR}/.s.PGSQL.5432`)
      ? `postgresql://root@localhost/postgres?host=${encodeURIComponent(SOCKET_DIR)}`
      : (env.TEST_PG_ADMIN_URL ?? "postgresql://root@127.0.0.1:5432/postgres")),
  redisUrl: env.BENCH_REDIS_URL ?? env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
};

export const ROOT = path.resolve(import.meta.dirname, "..");

export const log = (msg: string) => console.log(`[bench] ${msg}`);

export const dbUrl = (name: string) => {
  const u = new URL(bench.adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
};

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const round1 = (n: number) => Math.round(n * 10) / 10;
export const round3 = (n: number) => Math.round(n * 1000) / 1000;
