import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface ServiceProcess {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Runs `app/main.ts <args>` as a real process with only the given environment (plus PATH and HOME), as
 * `npm start` does: node with tsx as its loader, so signals reach the service itself (tsx's own CLI would
 * stand between them and kill a child that is busy when a signal arrives).
 */
export function startService(env: Record<string, string>, args = ["serve"]): ServiceProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "app/main.ts", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", ...env },
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Waits until the process printed `pattern`; fails with everything it printed if it exits or times out. */
export async function waitForOutput(r: ServiceProcess, pattern: RegExp, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (pattern.test(r.output())) return;
    if (r.child.exitCode !== null) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`did not see ${pattern} in:\n${r.output()}`);
}
