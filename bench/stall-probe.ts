import { spawn } from "node:child_process";

/**
 * Host stalls: a process of its own that does nothing but wake every 5 ms and note each wake-up more
 * than 20 ms late — time in which the machine ran none of it: the VM paused or its vCPUs descheduled by
 * the host (which this VM's steal time does not always show), or both cores saturated. Run beside a
 * sub-bench, it tells a tail that is the machine's from one that is the service's: 0.5 s of stalls in an
 * open-loop run at 300/s puts 150 requests 0.5 s late, whatever the service does.
 */
export interface HostStalls {
  /** Wake-ups more than `lateMs` late. */
  count: number;
  /** The longest, and all of them together, in ms beyond the expected wake-up. */
  maxMs: number;
  totalMs: number;
}

export interface StallProbe {
  pid: number;
  stop(): Promise<HostStalls>;
}

// Plain JavaScript, so the probe starts in a few ms without the TypeScript loader.
const PROBE = `
const every = Number(process.argv[1]), lateMs = Number(process.argv[2]);
let last = performance.now(), count = 0, maxMs = 0, totalMs = 0;
const timer = setInterval(() => {
  const now = performance.now(), late = now - last - every;
  last = now;
  if (late > lateMs) { count++; totalMs += late; maxMs = Math.max(maxMs, late); }
}, every);
process.on("message", () => {
  clearInterval(timer);
  process.send({ count, maxMs, totalMs }, () => process.exit(0));
});
process.send("ready");
`;

export async function startStallProbe(o: { everyMs?: number; lateMs?: number } = {}): Promise<StallProbe> {
  const child = spawn(process.execPath, ["-e", PROBE, String(o.everyMs ?? 5), String(o.lateMs ?? 20)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`the stall probe exited (${code}) without an answer`))),
  );
  await Promise.race([new Promise((r) => child.once("message", r)), exited]);
  return {
    pid: child.pid!,
    async stop() {
      const answer = new Promise<HostStalls>((r) => child.once("message", (m) => r(m as HostStalls)));
      child.send("stop");
      const s = await Promise.race([answer, exited]);
      return { count: s.count, maxMs: Math.round(s.maxMs), totalMs: Math.round(s.totalMs) };
    },
  };
}
