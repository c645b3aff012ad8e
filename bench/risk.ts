import { randomUUID } from "node:crypto";
import type { Container } from "../app/container.ts";
import { systemContext } from "../core/shared/index.ts";
import { log, percentile, round3 } from "./config.ts";
import { CpuMeter } from "./cpu.ts";
import { load, measure, type Shop } from "./load.ts";
import { userId } from "./seed/ids.ts";
import { startServer, stopServer } from "./server.ts";

/**
 * Issue 14 §6, the risk figures:
 *   risk_p50_ms, risk_p99_ms   one decision (`risk.assess`, the default rules, Redis counters) with
 *                              1,000,000 × BENCH_SHAPE_SCALE events of history in the counters
 *   risk_orders_ratio          stock orders/s over the API with risk on ÷ with it off (two fresh servers,
 *                              warmed up alike, one after the other; with `rounds` > 1 the median of
 *                              that many interleaved pairs — BENCH_RISK_ROUNDS)
 *   risk_cpu_ms_per_order_off/_on   CPU per delivered order of the server, PostgreSQL and Redis together
 *                              (bench/cpu.ts), medians over the rounds; `risk_cpu_ratio` = off ÷ on, the
 *                              throughput ratio a machine bound by those three would show. Unlike orders/s it
 *                              holds when other work shares the machine (CPU time, not wall-clock).
 * The bench's buyers each order hundreds of times a minute, so the buyer-velocity rule's threshold is
 * lifted for these runs: every order then takes the whole decision (every rule evaluated, its counters
 * written), not a cheaper refusal. The rule is put back afterwards.
 */
export async function riskFigures(o: {
  c: Container;
  appEnv: Record<string, string>;
  shop: Shop;
  users: number;
  scale: number;
  seconds: number;
  concurrency: number;
  dbUrl: string;
  /** Off/on pairs to run (ABBA order); the ratio is the median of the pairs' ratios. Default 1. */
  rounds?: number;
}): Promise<{
  risk_p50_ms: number;
  risk_p99_ms: number;
  risk_orders_ratio: number;
  risk_history_events: number;
  risk_round_ratios: number[];
  risk_cpu_ms_per_order_off: number;
  risk_cpu_ms_per_order_on: number;
  risk_cpu_ratio: number;
}> {
  const ctx = systemContext("bench", { channel: "cli" });
  const risk = o.c.risk;
  const velocity = (await risk.rules(ctx)).find((r) => r.name === "buyer-velocity");
  await risk.setThreshold(ctx, { name: "buyer-velocity", value: 1e9 });
  /** One order decision by a random buyer, for ¥10.00 to `target`. */
  const randomOrder = (target: string | null) => ({
    subject: "order" as const,
    eventId: randomUUID(),
    userId: userId(1 + Math.floor(Math.random() * o.users)),
    channel: "http",
    amount: 1_000n,
    currency: "CNY" as const,
    target,
  });
  // The order runs before these sell the stock products out: each risk run gets the same fresh stock, more
  // than it can sell (a sold-out run would measure refusals, not orders).
  const restock = async () => {
    const perProduct = Math.ceil((2_000 * (o.seconds + 3)) / o.shop.stockProducts.length);
    for (const productId of o.shop.stockProducts)
      await o.c.inventory.importCodes(ctx, {
        productId,
        source: "bench-risk",
        content: Array.from({ length: perProduct }, () => `RISK-${randomUUID()}`).join("\n"),
      });
    log(`risk: ${perProduct} codes imported into each of ${o.shop.stockProducts.length} stock products`);
  };
  try {
    // History: events over the last hour for random buyers and phone numbers, written as decisions write them.
    const events = Math.round(1_000_000 * o.scale);
    const now = Date.now();
    log(`risk: writing ${events} events of history into the counters`);
    for (let done = 0; done < events; done += 2_000) {
      await Promise.all(
        Array.from({ length: Math.min(2_000, events - done) }, () =>
          risk.assess(ctx, randomOrder(`139${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`)),
        ),
      );
    }
    log(`risk: history written in ${Math.round((Date.now() - now) / 1000)} s; timing 2,000 decisions`);
    const latencies: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      const t0 = performance.now();
      await risk.assess(ctx, randomOrder(null));
      latencies.push(performance.now() - t0);
    }
    latencies.sort((a, b) => a - b);

    // Risk off, then on: each a fresh server, warmed up alike, so the two runs differ only in RISK_ENABLED.
    const ordersPerS = async (enabled: boolean) => {
      await restock();
      log(`risk: stock orders with risk ${enabled ? "on" : "off"} for ${o.seconds} s`);
      const server = await startServer({ ...o.appEnv, RISK_ENABLED: String(enabled) });
      try {
        const shop = { ...o.shop, urls: [server.url] };
        await load(shop, { seconds: 3, directShare: 0, concurrency: o.concurrency, dbUrl: o.dbUrl });
        const meter = new CpuMeter(new URL(o.dbUrl).pathname.slice(1), [server.child.pid!]);
        const res = await load(shop, {
          seconds: o.seconds,
          directShare: 0,
          concurrency: o.concurrency,
          dbUrl: o.dbUrl,
        });
        const cpu = meter.stop();
        const m = await measure(o.dbUrl, `stock, risk ${enabled ? "on" : "off"}`, res);
        const cpuPerOrder = (cpu.clientMs + cpu.postgresMs + cpu.redisMs) / Math.max(1, m.delivered);
        log(
          `risk ${enabled ? "on" : "off"}: CPU per order ${round3(cpuPerOrder)} ms (server ${round3(cpu.clientMs / Math.max(1, m.delivered))}, ` +
            `postgres ${round3(cpu.postgresMs / Math.max(1, m.delivered))}, redis ${round3(cpu.redisMs / Math.max(1, m.delivered))}); others on the machine ${cpu.foreignPct}%`,
        );
        return { ordersPerS: m.ordersPerS, cpuPerOrder };
      } finally {
        await stopServer(server.child);
      }
    };
    const pairs: Array<{ on: number; off: number }> = [];
    const cpu: { on: number[]; off: number[] } = { on: [], off: [] };
    for (const first of roundOrder(o.rounds ?? 1)) {
      const a = await ordersPerS(first);
      const b = await ordersPerS(!first);
      const [on, off] = first ? [a, b] : [b, a];
      pairs.push({ on: on.ordersPerS, off: off.ordersPerS });
      cpu.on.push(on.cpuPerOrder);
      cpu.off.push(off.cpuPerOrder);
    }
    const median = (xs: number[]) => {
      const s = [...xs].sort((x, y) => x - y);
      const mid = s.length >> 1;
      return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
    };
    return {
      risk_p50_ms: round3(percentile(latencies, 50)),
      risk_p99_ms: round3(percentile(latencies, 99)),
      risk_orders_ratio: round3(medianRatio(pairs)),
      risk_history_events: events,
      risk_round_ratios: pairs.map((p) => round3(p.on / Math.max(1e-9, p.off))),
      risk_cpu_ms_per_order_off: round3(median(cpu.off)),
      risk_cpu_ms_per_order_on: round3(median(cpu.on)),
      risk_cpu_ratio: round3(median(cpu.off) / Math.max(1e-9, median(cpu.on))),
    };
  } finally {
    if (velocity) await risk.putRule(ctx, { name: velocity.name, condition: velocity.condition });
  }
}

/**
 * Which run goes first in each off/on pair: off first, then on first, alternating (ABBA), so a drift in
 * the machine's load over the rounds weighs on both sides alike. `true` = risk on first.
 */
export function roundOrder(rounds: number): boolean[] {
  const n = Math.max(1, Math.floor(rounds));
  return Array.from({ length: n }, (_, i) => i % 2 === 1);
}

/** The median of each pair's on ÷ off (a noisy pair moves it less than a ratio of sums would). */
export function medianRatio(pairs: ReadonlyArray<{ on: number; off: number }>): number {
  if (pairs.length === 0) throw new Error("no runs to compare");
  const ratios = pairs.map((p) => p.on / Math.max(1e-9, p.off)).sort((a, b) => a - b);
  const mid = ratios.length >> 1;
  return ratios.length % 2 === 1 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
}
