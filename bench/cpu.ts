import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time spent in a measured window, from /proc: the client processes (the service, or pgbench),
 * PostgreSQL (the backends of the bench's database plus the cluster's own writers), Redis, this process
 * (the load generator), and the whole machine — so a result can say how much of the cores each one took
 * and how much went to others sharing the machine. A process that exits inside the window loses its
 * time: start the meter once connections are open, stop it before they close.
 */

const TICK_MS = (() => {
  const r = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const hz = Number(r.stdout?.trim());
  return 1000 / (hz > 0 ? hz : 100);
})();

/** utime + stime of a process (all its threads), in ms; 0 when it is gone. */
export function procMs(pid: number | "self"): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start with field 3 (state).
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[14 - 3]) + Number(f[15 - 3])) * TICK_MS;
  } catch {
    return 0;
  }
}

const BACKGROUND = /checkpointer|background writer|walwriter|autovacuum launcher|logical replication launcher/;

/** PostgreSQL processes that work for `database` (its backends and the cluster's shared writers), and Redis. */
function infraPids(database: string): { postgres: number[]; redis: number[] } {
  const out = { postgres: [] as number[], redis: [] as number[] };
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const comm = readFileSync(`/proc/${name}/comm`, "utf8").trim();
      if (comm === "redis-server") out.redis.push(Number(name));
      if (comm !== "postgres") continue;
      const cmd = readFileSync(`/proc/${name}/cmdline`, "utf8").replace(/\0/g, " ");
      if (cmd.includes(` ${database} `) || BACKGROUND.test(cmd)) out.postgres.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function machineTimes(): { busy: number; total: number } {
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = cpu[3]! + cpu[4]!;
  return { busy: (total - idle) * TICK_MS, total: total * TICK_MS };
}

export interface CpuUse {
  seconds: number;
  /** The client processes given: the service's (`serve`, workers), or pgbench. */
  clientMs: number;
  postgresMs: number;
  /** Redis (shared with anything else on the machine that uses it). */
  redisMs: number;
  /** This process: the load generator. */
  selfMs: number;
  /** Share of the machine's cores busy with anything else (other users of the machine), %. */
  foreignPct: number;
  cores: number;
}

export class CpuMeter {
  private readonly t0 = performance.now();
  private readonly before = new Map<number, number>();
  private readonly self0 = procMs("self");
  private readonly machine0 = machineTimes();

  constructor(
    private readonly database: string,
    private readonly clientPids: number[],
  ) {
    const infra = infraPids(database);
    for (const pid of [...infra.postgres, ...infra.redis, ...clientPids]) this.before.set(pid, procMs(pid));
  }

  stop(): CpuUse {
    const seconds = (performance.now() - this.t0) / 1000;
    // A process started inside the window counts from zero.
    const delta = (pids: number[]) =>
      pids.reduce((sum, pid) => sum + Math.max(0, procMs(pid) - (this.before.get(pid) ?? 0)), 0);
    const infra = infraPids(this.database);
    const postgresMs = delta(infra.postgres);
    const redisMs = delta(infra.redis);
    const clientMs = delta(this.clientPids);
    const selfMs = procMs("self") - this.self0;
    const m = machineTimes();
    const capacity = m.total - this.machine0.total;
    const foreign = m.busy - this.machine0.busy - postgresMs - redisMs - clientMs - selfMs;
    return {
      seconds,
      clientMs,
      postgresMs,
      redisMs,
      selfMs,
      foreignPct: Math.max(0, Math.round((foreign / capacity) * 1000) / 10),
      cores: Math.round((capacity / (seconds * 1000)) * 10) / 10,
    };
  }
}

/**
 * Waits until `pids` together use less than `idleShare` of one core over `windowMs` (the work a run left
 * behind, e.g. event consumers catching up, is done), or `maxMs` has passed; returns the ms waited.
 */
export async function waitUntilIdle(
  pids: number[],
  o: { windowMs?: number; idleShare?: number; maxMs?: number } = {},
): Promise<number> {
  const windowMs = o.windowMs ?? 100;
  const t0 = performance.now();
  const total = () => pids.reduce((sum, pid) => sum + procMs(pid), 0);
  for (let before = total(); performance.now() - t0 < (o.maxMs ?? 3_000);) {
    await new Promise((r) => setTimeout(r, windowMs));
    const now = total();
    if (now - before < windowMs * (o.idleShare ?? 0.1)) break;
    before = now;
  }
  return performance.now() - t0;
}
