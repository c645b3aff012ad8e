/**
 * The sold-out burst alone, several times (for A/B runs of the burst; `npm run bench` runs it once):
 * `ROUNDS` bursts (3) of 1,000 buyers of 50 codes, each on a server started for it (a cold server, as in the
 * quick run) or, with `WARM=1`, all on one server, 2.5 s apart (so the keys are cold again). Prints per round
 * the seconds, the CPU of the server (user/system too), PostgreSQL and the load generator, and how many
 * connections the kernel's accept queues dropped meanwhile (ListenOverflows: machine-wide).
 * `BENCH_SHAPE_SCALE=0.05 node --import tsx bench/soldout-rounds.ts`
 */
import { readFileSync } from "node:fs";
import { mkdtemp as mkdtempP, rm as rmP } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { parseConfig } from "../app/config.ts";
import { createContainer } from "../app/container.ts";
import { createLogger } from "../app/logger.ts";
import { deleteRedisPrefix } from "../test/support/redis.ts";
import { bench, log } from "./config.ts";
import { CpuMeter } from "./cpu.ts";
import { benchApiKey, cloneShape, ensureShapeTemplate } from "./seed/seed.ts";
import { benchServiceEnv, startServer, stopServer } from "./server.ts";
import { soldOutBurst } from "./soldout.ts";

const rounds = Number(process.env.ROUNDS ?? 3);
const warm = process.env.WARM === "1";
const ust = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return [Number(f[11]) * 10, Number(f[12]) * 10];
};
const overflow = () => {
  const t = readFileSync("/proc/net/netstat", "utf8").split("\n");
  const h = t[0]!.split(" "),
    v = t[1]!.split(" ");
  return Number(v[h.indexOf("ListenOverflows")]);
};
async function main() {
  const template = await ensureShapeTemplate({ adminUrl: bench.adminUrl, scale: bench.shapeScale, log });
  const z = template.sizes;
  const dbName = `kameng_bench_${process.pid}`;
  const appDbUrl = await cloneShape(bench.adminUrl, template.name, dbName);
  const prefix = `kbench-${process.pid}`;
  const dataDir = await mkdtempP(path.join(tmpdir(), "kameng-bench-"));
  const appEnv = await benchServiceEnv({ databaseUrl: appDbUrl, prefix, dataDir });
  const c = await createContainer(parseConfig({ ...appEnv, DATABASE_POOL_SIZE: "4" }), createLogger("warn"));
  const out: string[] = [];
  let server = warm ? await startServer(appEnv) : undefined;
  try {
    for (let r = 0; r < rounds; r++) {
      if (!warm) server = await startServer(appEnv);
      await new Promise((res) => setTimeout(res, 2500)); // keys cached by an earlier round expire (2 s)
      const o0 = overflow();
      const u0 = ust(server!.child.pid!);
      const res = await soldOutBurst({
        c,
        url: server!.url,
        keys: Array.from({ length: Math.min(1000, z.apiKeys - 200) }, (_, i) => benchApiKey(201 + i)),
        codes: 50,
        dbUrl: appDbUrl,
        meter: () => new CpuMeter(dbName, [server!.child.pid!]),
      });
      out.push(
        `round ${r}: ${res.seconds.toFixed(3)} s ok=${res.ok} server ${Math.round(res.cpu.clientMs)} pg ${Math.round(res.cpu.postgresMs)} loadgen ${Math.round(res.cpu.selfMs)} foreign ${res.cpu.foreignPct}% overflows ${overflow() - o0} server user/sys ${ust(
          server!.child.pid!,
        )
          .map((x, i) => x - u0[i]!)
          .join("/")}`,
      );
      if (!warm) await stopServer(server!.child);
    }
  } finally {
    if (server && server.child.exitCode === null) await stopServer(server.child);
    await c.close();
    const a = new pg.Client({ connectionString: bench.adminUrl });
    await a.connect();
    await a.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await a.end();
    await rmP(dataDir, { recursive: true, force: true });
    await deleteRedisPrefix(bench.redisUrl, prefix);
  }
  for (const l of out) console.log(l);
}
main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
