import { fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { Container } from "../app/container.ts";
import { systemContext } from "../core/shared/index.ts";
import { bench, log, percentile, ROOT, round3 } from "./config.ts";
import { CpuMeter, waitUntilIdle } from "./cpu.ts";
import { load, type Shop } from "./load.ts";
import { randomRiskOrder } from "./risk-order.ts";
import {
  addTotals,
  cpuPerOrder,
  noTotals,
  rateRatio,
  roundOrder,
  sliceSchedule,
  type SideTotals,
} from "./risk-slices.ts";
import type { RiskTimingRequest, RiskTimingResult } from "./risk-timing.ts";
import { freePort, startServer, stopServer } from "./server.ts";
import { settlePostgres } from "./settle.ts";
import { startStallProbe } from "./stall-probe.ts";

/**
 * Issue 14 §6, the risk figures:
 *   risk_p50_ms, risk_p99_ms   one decision (`risk.assess`, the default rules, Redis counters) with
 *                              1,000,000 × BENCH_SHAPE_SCALE events of history in the counters. The history
 *                              is written here first (and finished); the 2,000 decisions are then timed one
 *                              at a time in a process of their own (bench/risk-timing.ts: a fresh container
 *                              on the same database and Redis prefix — the same rules, history and counters —
 *                              with no workers, consumers or servers), so nothing else this process still
 *                              runs (jobs or consumers of earlier phases, GC of the history's garbage) is timed.
 *                              A Redis PING after each decision is timed too and logged: the machine's floor
 *                              for a round trip at the same moments (on this VM its p99 alone is 0.6–1.8 ms).
 *   risk_orders_ratio          stock orders/s over the API with risk on ÷ with it off. Both servers run at
 *                              once (fresh, warmed up alike), and the buyers' load goes to one, then the
 *                              other, in short slices (≤ BENCH_RISK_SLICE_SECONDS, 1.5) in ABBA order
 *                              (bench/risk-slices.ts): BENCH_RISK_SECONDS per side per round, BENCH_RISK_ROUNDS
 *                              rounds. Each side's rate is its delivered orders ÷ the seconds its buyers were
 *                              busy, summed over all its slices; the figure is the ratio of the two rates. A
 *                              drift in the machine's speed (steal time, other jobs) then falls on both sides
 *                              alike instead of on whichever ran second.
 *   risk_host_stall_ms, risk_host_stall_max_ms   host stalls over 20 ms while the decisions were timed
 *                              (bench/stall-probe.ts): time the machine ran nothing of ours, all of it and the longest.
 *   risk_round_ratios          the same ratio per round.
 *                              A third `serve`, started first and sent no orders, holds every event consumer's
 *                              lease and runs the job workers, so the consumers' share of an order is done in
 *                              the same place for both sides (else the first server started would do it for
 *                              both, in the other's slices); after each slice the bench waits until the three
 *                              processes are idle, so the work a slice leaves falls in that slice.
 *   risk_cpu_ms_per_order_off/_on   CPU per delivered order of the three processes, PostgreSQL and Redis
 *                              (bench/cpu.ts) over one side's slices and their settling, medians over the
 *                              rounds; `risk_cpu_ratio` = off ÷ on, the throughput ratio a machine bound by
 *                              those would show. Unlike orders/s it holds when other work shares the machine.
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
  /** Seconds of load per side per round. */
  seconds: number;
  concurrency: number;
  dbUrl: string;
  /** Rounds of interleaved slices; each round's sides start in turn (off first, then on first). Default 1. */
  rounds?: number;
  /** The longest slice, seconds (default 1.5). */
  sliceSeconds?: number;
}): Promise<{
  risk_p50_ms: number;
  risk_p99_ms: number;
  risk_host_stall_ms: number;
  risk_host_stall_max_ms: number;
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
  const maxSlice = o.sliceSeconds ?? 1.5;
  // Fresh stock before each stretch of load, more than it can sell (a sold-out run would measure
  // refusals, not orders): 2,000 orders/s for `seconds` of load.
  const restock = async (seconds: number) => {
    const perProduct = Math.ceil((2_000 * seconds) / o.shop.stockProducts.length);
    for (const productId of o.shop.stockProducts)
      await o.c.inventory.importCodes(ctx, {
        productId,
        source: "bench-risk",
        content: Array.from({ length: perProduct }, () => `RISK-${randomUUID()}`).join("\n"),
      });
  };
  try {
    // History: events over the last hour for random buyers and phone numbers, written as decisions write them.
    const events = Math.round(1_000_000 * o.scale);
    const now = Date.now();
    const historyCpu = process.cpuUsage();
    log(`risk: writing ${events} events of history into the counters`);
    for (let done = 0; done < events; done += 2_000) {
      await Promise.all(
        Array.from({ length: Math.min(2_000, events - done) }, () =>
          risk.assess(ctx, randomRiskOrder(o.users, `139${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`)),
        ),
      );
    }
    const { user, system } = process.cpuUsage(historyCpu);
    log(
      `risk: history written in ${Math.round((Date.now() - now) / 1000)} s, ${round3((user + system) / 1000 / Math.max(1, events))} ms ` +
        `of this process's CPU per decision (2,000 at a time); timing 2,000 decisions in a process of their own`,
    );
    // Redis goes on rehashing its key tables for a few seconds after a burst of new keys (measured here:
    // a PING's p99 was 2–3 ms in the first 3 s after 1,100,000 keys, 0.15–0.3 ms in most seconds after),
    // and PostgreSQL's housekeeping from the clone and the phases before would share the cores.
    await Promise.all([new Promise((r) => setTimeout(r, 5_000)), settlePostgres(o.dbUrl)]);
    const probe = await startStallProbe();
    const timing = await timeDecisions({ env: o.appEnv, users: o.users, warmup: 500, decisions: 2_000 });
    const stalls = await probe.stop();
    const latencies = [...timing.latencies].sort((a, b) => a - b);
    const pings = [...timing.pings].sort((a, b) => a - b);
    log(
      `risk: decision p50 ${round3(percentile(latencies, 50))} ms, p99 ${round3(percentile(latencies, 99))} ms, ` +
        `max ${round3(latencies.at(-1) ?? 0)} ms; a Redis PING between them p50 ${round3(percentile(pings, 50))} ms, ` +
        `p99 ${round3(percentile(pings, 99))} ms (the machine's floor); ${round3(timing.cpuMs / latencies.length)} ms ` +
        `of the timing process's CPU per decision and PING; host stalls over 20 ms meanwhile: ${stalls.count}, ` +
        `${stalls.totalMs} ms in all, the longest ${stalls.maxMs} ms`,
    );

    // Both servers at once, fresh; the load goes to one at a time, in ABBA slices. A third `serve`,
    // started first and given no orders, takes the leases of every event consumer (one process works
    // each, and `serve` hosts the chat's too) and runs the job workers: the consumers' share of an order
    // is then done alike, in the same process, whichever server took it — else the first server started
    // would do it for both, in the other's slices.
    const host = await startServer({ ...o.appEnv, PORT: String(await freePort()) });
    const serverEnv = { ...o.appEnv, RUN_WORKERS: "false" };
    const off = await startServer({ ...serverEnv, PORT: String(await freePort()), RISK_ENABLED: "false" });
    const on = await startServer({ ...serverEnv, PORT: String(await freePort()), RISK_ENABLED: "true" });
    try {
      const database = new URL(o.dbUrl).pathname.slice(1);
      const pids = [host.child.pid!, off.child.pid!, on.child.pid!];
      let refused = 0;
      let foreignPct = 0;
      const slice = async (s: { on: boolean; seconds: number }): Promise<SideTotals> => {
        const meter = new CpuMeter(database, pids);
        const res = await load(
          { ...o.shop, urls: [(s.on ? on : off).url] },
          { seconds: s.seconds, directShare: 0, concurrency: o.concurrency, dbUrl: o.dbUrl },
        );
        // The consumers' work the slice left is its side's: metered until done, before the next slice.
        await waitUntilIdle(pids, { windowMs: 200 });
        const cpu = meter.stop();
        foreignPct = Math.max(foreignPct, cpu.foreignPct);
        refused += res.outOfStock + Object.values(res.errors).reduce((a, b) => a + b, 0);
        if (res.outOfStock > 0 || Object.keys(res.errors).length > 0)
          log(`risk ${s.on ? "on" : "off"}: ${res.outOfStock} out_of_stock, errors ${JSON.stringify(res.errors)}`);
        return {
          delivered: res.deliveryLatencies.stock.length,
          seconds: res.busySeconds,
          cpuMs: cpu.clientMs + cpu.postgresMs + cpu.redisMs,
        };
      };
      const warmup = sliceSchedule(3, maxSlice);
      await restock(6);
      log(`risk: warming both servers up (${warmup.length} slices of ${round3(warmup[0]!.seconds)} s)`);
      for (const s of warmup) await slice(s);
      const rounds: Array<{ on: SideTotals; off: SideTotals }> = [];
      for (const onFirst of roundOrder(o.rounds ?? 1)) {
        const schedule = sliceSchedule(o.seconds, maxSlice, onFirst);
        await restock(2 * o.seconds);
        foreignPct = 0;
        log(
          `risk: round ${rounds.length + 1}: ${schedule.length} slices of ${round3(schedule[0]!.seconds)} s, ` +
            `${schedule.map((s) => (s.on ? "B" : "A")).join("")} (A = off, B = on)`,
        );
        const sides = { on: noTotals(), off: noTotals() };
        for (const s of schedule) {
          const side = s.on ? "on" : "off";
          sides[side] = addTotals(sides[side], await slice(s));
        }
        rounds.push(sides);
        const rate = (t: SideTotals) => Math.round((t.delivered / Math.max(1e-9, t.seconds)) * 10) / 10;
        log(
          `risk: round ${rounds.length}: off ${rate(sides.off)} orders/s (${sides.off.delivered} in ${round3(sides.off.seconds)} s), ` +
            `on ${rate(sides.on)} orders/s (${sides.on.delivered} in ${round3(sides.on.seconds)} s) → ${round3(rateRatio(sides))}; ` +
            `CPU per order off ${round3(cpuPerOrder(sides.off))} ms, on ${round3(cpuPerOrder(sides.on))} ms; others on the machine ≤ ${foreignPct}%`,
        );
      }
      if (refused > 0)
        log(`risk: ${refused} orders were not delivered (see above): the rates count delivered orders only`);
      const total = rounds.reduce((a, r) => ({ on: addTotals(a.on, r.on), off: addTotals(a.off, r.off) }), {
        on: noTotals(),
        off: noTotals(),
      });
      const cpuOff = median(rounds.map((r) => cpuPerOrder(r.off)));
      const cpuOn = median(rounds.map((r) => cpuPerOrder(r.on)));
      return {
        risk_p50_ms: round3(percentile(latencies, 50)),
        risk_p99_ms: round3(percentile(latencies, 99)),
        risk_host_stall_ms: stalls.totalMs,
        risk_host_stall_max_ms: stalls.maxMs,
        risk_orders_ratio: round3(rateRatio(total)),
        risk_history_events: events,
        risk_round_ratios: rounds.map((r) => round3(rateRatio(r))),
        risk_cpu_ms_per_order_off: round3(cpuOff),
        risk_cpu_ms_per_order_on: round3(cpuOn),
        risk_cpu_ratio: round3(cpuOff / Math.max(1e-9, cpuOn)),
      };
    } finally {
      await Promise.all([stopServer(off.child), stopServer(on.child)]);
      await stopServer(host.child);
    }
  } finally {
    if (velocity) await risk.putRule(ctx, { name: velocity.name, condition: velocity.condition });
  }
}

/** Runs bench/risk-timing.ts as a child process and returns what it measured. */
async function timeDecisions(req: RiskTimingRequest): Promise<RiskTimingResult> {
  const child = fork(new URL("./risk-timing.ts", import.meta.url), [], {
    cwd: ROOT,
    execArgv: ["--import", "tsx", ...bench.serverNodeArgs],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`the risk timing process exited (${code}) without an answer`))),
  );
  child.send(req);
  return Promise.race([
    new Promise<RiskTimingResult>((r) => child.once("message", (m) => r(m as RiskTimingResult))),
    exited,
  ]);
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
