import { spawn } from "node:child_process";
import path from "node:path";
import { ROOT, log, round1, round3 } from "../config.ts";
import { CpuMeter, type CpuUse } from "../cpu.ts";
import { SCRIPT_FILES, type ScriptKind, type ScriptVariables } from "./order-scripts.ts";
import { parseTps } from "./tpcb.ts";

export interface SameSqlResult {
  tps: number;
  transactions: number;
  failed: number;
  /** The run was cut short (a client aborted on an error). */
  aborted: boolean;
  /** CPU in the middle of the run (connections open), and the transactions it covers (tps × its length). */
  cpu: CpuUse;
  cpuTransactions: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The service's own statements for one order (bench/sql/<kind>-order.sql) replayed by pgbench against
 * the seeded database: `-M prepared` with generic plans, as the service's connections run them.
 */
export async function runSameSql(
  kind: ScriptKind,
  opts: { url: string; database: string; clients: number; seconds: number; vars: ScriptVariables },
): Promise<SameSqlResult> {
  const args = [
    "-n",
    "-M",
    "prepared",
    "-f",
    path.join(ROOT, SCRIPT_FILES[kind]),
    "-c",
    String(opts.clients),
    "-j",
    "2",
    "-T",
    String(opts.seconds),
    ...Object.entries(opts.vars).flatMap(([k, v]) => ["-D", `${k}=${v}`]),
    opts.url,
  ];
  log(`same SQL (${kind}): pgbench ${opts.clients} clients, ${opts.seconds} s`);
  const child = spawn("pgbench", args, {
    env: { ...process.env, PGOPTIONS: "-c plan_cache_mode=force_generic_plan" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  // CPU is read while every client is connected: a backend that has exited has taken its time with it.
  const lead = Math.min(1500, opts.seconds * 200);
  await sleep(lead);
  const meter = new CpuMeter(opts.database, [child.pid!]);
  await sleep(Math.max(200, opts.seconds * 1000 - lead - 700));
  const cpu = meter.stop();
  const status = await exited;
  const aborted = status !== 0 || /Run was aborted/.test(stderr);
  if (aborted) log(`same SQL (${kind}): pgbench exited ${status}: ${stderr.split("\n").slice(-6).join(" | ")}`);
  const transactions = Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1] ?? 0);
  const failed = Number(/number of failed transactions: (\d+)/.exec(stdout)?.[1] ?? 0);
  const tps = transactions > 0 ? parseTps(stdout) : 0;
  const cpuTransactions = tps * cpu.seconds;
  const per = (ms: number) => round3(ms / Math.max(1, cpuTransactions));
  log(
    `same SQL (${kind}): ${round1(tps)} tps, ${transactions} transactions, ${failed} failed; CPU per transaction: ` +
      `postgres ${per(cpu.postgresMs)} ms, pgbench ${per(cpu.clientMs)} ms; others on the machine ${cpu.foreignPct}%`,
  );
  return { tps, transactions, failed, aborted, cpu, cpuTransactions };
}
