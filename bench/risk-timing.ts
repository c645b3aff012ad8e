/**
 * Times risk decisions in a process of their own (bench/risk.ts forks it): a fresh container on the
 * bench's database and Redis prefix — so the same rules and the same counters with their history — that
 * starts no workers, consumers or servers, so nothing but the decisions runs here while they are timed.
 * Takes a `RiskTimingRequest` over IPC, warms up, times `decisions` decisions one at a time and answers
 * a `RiskTimingResult`, then exits.
 */
import { Redis } from "ioredis";
import { parseConfig } from "../app/config.ts";
import { createContainer } from "../app/container.ts";
import { createLogger } from "../app/logger.ts";
import { systemContext } from "../core/shared/index.ts";
import { randomRiskOrder } from "./risk-order.ts";

export interface RiskTimingRequest {
  env: Record<string, string>;
  /** Seeded buyers the decisions are drawn from. */
  users: number;
  warmup: number;
  decisions: number;
}

/**
 * Each timed decision's wall-clock ms, in the order made; `cpuMs`: this process's CPU over them (PINGs
 * included); `pings`: a Redis PING's round trip after each decision — the machine's floor for a call
 * to Redis at the same moments, to tell its noise from the decision's own time.
 */
export interface RiskTimingResult {
  latencies: number[];
  pings: number[];
  cpuMs: number;
}

async function main(req: RiskTimingRequest): Promise<RiskTimingResult> {
  const c = await createContainer(
    parseConfig({ ...req.env, DATABASE_POOL_SIZE: "2", RUN_WORKERS: "false" }),
    createLogger("warn"),
  );
  const redis = new Redis(req.env.REDIS_URL!, { maxRetriesPerRequest: null });
  try {
    const ctx = systemContext("bench", { channel: "cli" });
    // JIT, the rules and lists caches, the Redis connection and the script's first load.
    for (let i = 0; i < req.warmup; i++) await c.risk.assess(ctx, randomRiskOrder(req.users, null));
    for (let i = 0; i < 100; i++) await redis.ping();
    const latencies: number[] = [];
    const pings: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < req.decisions; i++) {
      const subject = randomRiskOrder(req.users, null);
      const t0 = performance.now();
      await c.risk.assess(ctx, subject);
      const t1 = performance.now();
      await redis.ping();
      pings.push(performance.now() - t1);
      latencies.push(t1 - t0);
    }
    const cpu = process.cpuUsage(cpu0);
    return { latencies, pings, cpuMs: (cpu.user + cpu.system) / 1000 };
  } finally {
    redis.disconnect();
    await c.close();
  }
}

if (!process.send) throw new Error("started by bench/risk.ts only (it sends the request over IPC)");
process.once("message", (req: RiskTimingRequest) => {
  main(req).then(
    (result) => process.send!(result, () => process.exit(0)),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
});
