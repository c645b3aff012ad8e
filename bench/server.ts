import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { bench, ROOT } from "./config.ts";
import { BENCH_CODE_KEY } from "./seed/seed.ts";

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

/**
 * The environment of a service the bench starts: production mode on PostgreSQL and Redis, no rate limits
 * (the bench measures the order pipeline, not the API's limits), risk off (the risk figures turn it on).
 */
export async function benchServiceEnv(o: { databaseUrl: string; prefix: string; dataDir: string }) {
  return {
    NODE_ENV: "production",
    DATABASE_URL: o.databaseUrl,
    REDIS_URL: bench.redisUrl,
    REDIS_PREFIX: o.prefix,
    CODE_ENCRYPTION_KEY: BENCH_CODE_KEY,
    KYC_HASH_KEY: Buffer.from("kameng-bench-kyc-id-hash-key-32b").toString("base64"),
    SANDBOX_WEBHOOK_SECRET: "whsec_bench_0123456789abcdef",
    DATA_DIR: o.dataDir,
    DEMO_SEED: "false",
    LOG_LEVEL: "warn",
    HOST: "127.0.0.1",
    PORT: String(await freePort()),
    DATABASE_POOL_SIZE: bench.poolSize,
    WORKER_CONCURRENCY: bench.workerConcurrency,
    RATE_LIMIT_API_PER_MINUTE: "0",
    RATE_LIMIT_IP_PER_MINUTE: "0",
    RISK_ENABLED: "false",
  } as Record<string, string>;
}
