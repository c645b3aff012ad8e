import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { bench, ROOT } from "./config.ts";

/** Starts `serve` (or `worker`) as its own process; resolves once it listens (or runs). */
export function startServer(
  envVars: Record<string, string>,
  command: "serve" | "worker" = "serve",
): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...bench.serverNodeArgs, "--import", "tsx", "app/main.ts", command], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...envVars },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^\s]+)|(worker running)/.exec(out);
      if (m) {
        child.stdout!.off("data", onData);
        resolve({ child, url: m[1] ?? "" });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d: Buffer) => {
      const s = d.toString();
      if (!/nodedir/.test(s)) process.stderr.write(`[server] ${s}`);
    });
    child.on("exit", (code) => reject(new Error(`server exited (${code}) before listening:\n${out}`)));
  });
}

export function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  return exited;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}
