import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, startService as start, waitForOutput as waitFor } from "../support/service-process.ts";

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
    // What a newcomer needs, as plain lines apart from the logs (JSON, since stdout is not a terminal).
    const out = first.output();
    expect(out).toMatch(new RegExp(`^  web chat: +http://localhost:${port}/$`, "m"));
    expect(out).toMatch(new RegExp(`^  API docs: +http://localhost:${port}/docs$`, "m"));
    expect(out).toMatch(new RegExp(`^  metrics: +http://localhost:${port}/metrics$`, "m"));
    const logLines = out.split("\n").filter((l) => l.includes('"level"'));
    expect(logLines.length).toBeGreaterThan(0);
    for (const l of logLines) expect(() => JSON.parse(l), l).not.toThrow();
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

  it("on a busy port exits at once with a clear message, before migrating, seeding or printing a key", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "kameng-busy-"));
    dirs.push(dataDir);
    const port = await freePort();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, "127.0.0.1", resolve));
    try {
      const r = start({ PORT: String(port), DATA_DIR: dataDir });
      expect(await r.exited).toBe(69);
      expect(r.output()).toMatch(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
      expect(r.output()).not.toMatch(/API key|database migrated|demo shop seeded/);
      expect(r.output()).not.toMatch(/\n\s+at /);
      expect(await readdir(dataDir)).toEqual([]); // the data folder was not touched
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
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
