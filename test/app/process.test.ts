import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

interface Running {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>, args = ["serve"]): Running {
  const child = spawn(TSX, ["app/main.ts", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", ...env },
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitFor(r: Running, pattern: RegExp, ms = 60_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (pattern.test(r.output())) return;
    if (r.child.exitCode !== null) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`did not see ${pattern} in:\n${r.output()}`);
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("the service process on the embedded default", () => {
  it("starts with no configuration, answers /health, stops cleanly on SIGTERM and keeps its data across restarts", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "kameng-proc-"));
    dirs.push(dataDir);
    const port = await freePort();
    const env = { PORT: String(port), DATA_DIR: dataDir, DEMO_SEED: "false" };

    const first = start(env);
    await waitFor(first, /listening on http:\/\/127\.0\.0\.1:\d+/);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", checks: { database: { ok: true } } });
    expect(first.output()).toMatch(/database migrated/);
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.output()).toMatch(/stopped cleanly/);

    const second = start(env);
    await waitFor(second, /listening on/);
    expect(second.output()).not.toMatch(/database migrated/); // nothing left to apply: the data folder was kept
    // A second process on the same embedded data folder is refused instead of corrupting it.
    const intruder = start({ ...env, PORT: String(await freePort()) });
    expect(await intruder.exited).not.toBe(0);
    expect(intruder.output()).toMatch(/is in use by process \d+/);
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);
  });

  it("refuses a bad variable with a message naming it and no stack trace", async () => {
    const r = start({ PORT: "eighty" });
    expect(await r.exited).toBe(78);
    expect(r.output()).toMatch(/PORT="eighty": must be a whole number \(example: PORT=3000\)/);
    expect(r.output()).not.toMatch(/\n\s+at /);
  });

  it("refuses production without DATABASE_URL", async () => {
    const r = start({ NODE_ENV: "production" });
    expect(await r.exited).toBe(78);
    expect(r.output()).toMatch(/DATABASE_URL=\(unset\): production needs PostgreSQL/);
  });
});
