/**
 * The risk figures alone (bench/risk.ts), without the rest of `npm run bench`: the same seeded shape,
 * the same server and load, for profiling risk (`npx tsx bench/risk-run.ts`). Knobs as bench/run.ts
 * (BENCH_SHAPE_SCALE, BENCH_RISK_SECONDS, BENCH_RISK_SLICE_SECONDS, BENCH_CONCURRENCY, BENCH_BUYERS) plus BENCH_RISK_ROUNDS and
 * BENCH_RISK_HISTORY_SCALE (the counters' history, default BENCH_SHAPE_SCALE).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { parseConfig } from "../app/config.ts";
import { createContainer } from "../app/container.ts";
import { createLogger } from "../app/logger.ts";
import { deleteRedisPrefix } from "../test/support/redis.ts";
import { bench, log } from "./config.ts";
import { riskFigures } from "./risk.ts";
import { productId } from "./seed/ids.ts";
import { benchApiKey, cloneShape, ensureShapeTemplate } from "./seed/seed.ts";
import { benchServiceEnv } from "./server.ts";

async function main() {
  const template = await ensureShapeTemplate({ adminUrl: bench.adminUrl, scale: bench.shapeScale, force: false, log });
  const z = template.sizes;
  const dbName = `kameng_bench_risk_${process.pid}`;
  const appDbUrl = await cloneShape(bench.adminUrl, template.name, dbName);
  const prefix = `kbench-risk-${process.pid}`;
  const dataDir = await mkdtemp(path.join(tmpdir(), "kameng-bench-risk-"));
  const appEnv = await benchServiceEnv({ databaseUrl: appDbUrl, prefix, dataDir });

  const c = await createContainer(parseConfig({ ...appEnv, DATABASE_POOL_SIZE: "4" }), createLogger("warn"));
  try {
    const buyers = Math.min(bench.buyers, z.apiKeys);
    const figures = await riskFigures({
      c,
      appEnv,
      shop: {
        urls: [],
        keys: Array.from({ length: buyers }, (_, i) => benchApiKey(i + 1)),
        stockProducts: Array.from({ length: z.hotProducts }, (_, i) => productId(i + 1)),
        directProducts: [],
      },
      users: z.users,
      // The counters' history (1,000,000 × this events); BENCH_RISK_HISTORY_SCALE makes a profiling run shorter.
      scale: Number(process.env.BENCH_RISK_HISTORY_SCALE ?? bench.shapeScale),
      seconds: bench.riskSeconds,
      concurrency: bench.concurrency,
      dbUrl: appDbUrl,
      rounds: Number(process.env.BENCH_RISK_ROUNDS ?? 3),
      sliceSeconds: bench.riskSliceSeconds,
    });
    console.log(JSON.stringify(figures));
  } finally {
    await c.close();
    const admin = new pg.Client({ connectionString: bench.adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).finally(() => admin.end());
    await rm(dataDir, { recursive: true, force: true });
    await deleteRedisPrefix(bench.redisUrl, prefix);
  }
}

await main();
