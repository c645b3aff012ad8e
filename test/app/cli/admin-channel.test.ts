import { mkdtemp, rename, rm, stat, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openAdminChannel } from "../../../app/cli/admin-channel.ts";
import { bufferIo, runCli } from "../../../app/cli/run-cli.ts";
import type { Container } from "../../../app/container.ts";
import { createLogger } from "../../../app/logger.ts";
import { freePort, startService, waitForOutput, type ServiceProcess } from "../../support/service-process.ts";

/**
 * A real `serve` on the embedded database holds it; the CLI (run in this process, with its own DATA_DIR
 * setting) hands its commands to that process over DATA_DIR/admin.sock.
 */
describe("operator commands next to a running serve on the embedded default", () => {
  let dataDir: string;
  let port: number;
  let shop: ServiceProcess;
  const env = () => ({ DATA_DIR: dataDir, PORT: String(port), NODE_ENV: "test", PATH: process.env.PATH });
  const cli = async (...args: string[]) => {
    const io = bufferIo();
    const code = await runCli(args, { io, env: env() });
    return { code, out: io.out(), err: io.err() };
  };
  /** One raw request on the socket, as another local program could send it. */
  const raw = (line: string) =>
    new Promise<string>((resolve, reject) => {
      const s = connect(path.join(dataDir, "admin.sock"));
      let got = "";
      s.on("connect", () => s.write(line + "\n"));
      s.on("data", (d) => (got += d));
      s.on("close", () => resolve(got));
      s.on("error", reject);
    });

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "kameng-admin-"));
    port = await freePort();
    shop = startService({ DATA_DIR: dataDir, PORT: String(port), NODE_ENV: "test" });
    // A first start migrates and seeds the demo: minutes, not seconds, on a loaded 2-core machine.
    await waitForOutput(shop, /listening on http:\/\/127\.0\.0\.1:\d+/, 240_000);
  }, 300_000);
  afterAll(async () => {
    shop?.child.kill("SIGTERM");
    await shop?.exited;
    await rm(dataDir, { recursive: true, force: true });
  });

  it("the socket and the secret are the shop user's only (0600), and go away with the shop", async () => {
    expect((await stat(path.join(dataDir, "admin.sock"))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dataDir, "admin.secret"))).mode & 0o777).toBe(0o600);
  });

  it("creates and revokes an API key and credits a wallet while the shop runs; the revoked key stops at once", async () => {
    const created = await cli("api-key", "create", "--new-user", "Leaky Shop", "--name", "erp");
    expect(created.code, created.err).toBe(0);
    const key = /kmg_live_[A-Za-z0-9_-]{32}/.exec(created.out)![0];
    const userId = /"Leaky Shop" \(([0-9a-f-]{36})\)/.exec(created.out)![1]!;
    const products = () =>
      fetch(`http://127.0.0.1:${port}/v1/products`, { headers: { authorization: `Bearer ${key}` } });
    expect((await products()).status).toBe(200);

    const revoked = await cli("api-key", "revoke", key.slice(0, 13));
    expect(revoked.code, revoked.err).toBe(0);
    expect(revoked.out).toContain("revoked 1 key(s)");
    expect((await products()).status).toBe(401);

    const credit = () => cli("wallet", "credit", "--user", userId, "--amount", "50", "--reason", "bank transfer 8812");
    const first = await credit();
    expect(first.code, first.err).toBe(0);
    expect(first.out).toContain(`credited ¥50.00 to "Leaky Shop" (${userId}): balance ¥50.00`);
    expect((await credit()).out).toContain("already credited");

    // Errors come back as in a local run: message on stderr, exit code, nothing changed.
    const bad = await cli(
      "wallet",
      "credit",
      "--user",
      "00000000-0000-7000-8000-000000000000",
      "--amount",
      "5",
      "--reason",
      "nobody",
    );
    expect(bad).toMatchObject({ code: 1, out: "" });
    expect(bad.err).toContain("no user 00000000-0000-7000-8000-000000000000");
    const check = await cli("ledger", "check");
    expect(check.code, check.out + check.err).toBe(0);
    expect(check.out).toMatch(/custody CNY: matches customer funds \(custody holds ¥[\d,]+\.\d\d, customer funds ¥/);
  }, 60_000);

  it("an input file travels with the command: import-codes reads it on the CLI's side", async () => {
    const file = path.join(dataDir, "..", `admin-codes-${process.pid}.txt`);
    await writeFile(file, "ADMIN-1\n\nADMIN-2\nADMIN-1\n");
    try {
      const r = await cli("import-codes", file, "--product", "GAME-QB-10");
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/imported 2 new code\(s\) for GAME-QB-10 .* 1 duplicate, 0 rejected/);
      expect(r.out).toContain("line 4: duplicate of an earlier line");
    } finally {
      await rm(file, { force: true });
    }
  }, 60_000);

  it("refuses a wrong or missing secret, and says why when the secret cannot be found", async () => {
    const request = (secret?: string) =>
      JSON.stringify({ ...(secret === undefined ? {} : { secret }), argv: ["ledger", "check"], pid: 1, files: [] });
    for (const line of [request("wrong"), request(""), request(), "not json"]) {
      const reply = await raw(line);
      expect(reply).toContain('"t":"refused"');
      expect(reply).not.toContain("ledger check ok");
    }
    const secret = path.join(dataDir, "admin.secret");
    await rename(secret, `${secret}.away`);
    try {
      const r = await cli("ledger", "check");
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/is in use by process \d+, which takes no operator commands \(no .*admin\.secret/);
      expect(r.out).toBe("");
    } finally {
      await rename(`${secret}.away`, secret);
    }
    await writeFile(`${secret}.wrong`, "not-the-secret\n");
    await rename(secret, `${secret}.right`);
    await rename(`${secret}.wrong`, secret);
    try {
      const r = await cli("api-key", "list");
      expect(r.code).toBe(77);
      expect(r.err).toContain("refused the command: wrong or missing admin secret");
    } finally {
      await rename(`${secret}.right`, secret);
    }
    expect(shop.output()).toMatch(/admin command refused: wrong secret/);
    expect(shop.output()).not.toContain("not-the-secret");
  }, 60_000);

  it("stopping the shop removes the channel; the CLI then opens the database itself", async () => {
    shop.child.kill("SIGTERM");
    expect(await shop.exited).toBe(0);
    await expect(stat(path.join(dataDir, "admin.sock"))).rejects.toMatchObject({ code: "ENOENT" });
    await expect(stat(path.join(dataDir, "admin.secret"))).rejects.toMatchObject({ code: "ENOENT" });
    const r = await cli("api-key", "list");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/"erp" {2}revoked/);
  }, 60_000);
});

describe("the admin channel's socket path", () => {
  it("is refused with a clear message when DATA_DIR is too long for a Unix socket (serve then starts without it)", async () => {
    const dataDir = path.join(tmpdir(), "kameng-".padEnd(120, "x"));
    const c = { config: { DATA_DIR: dataDir }, logger: createLogger("silent") } as unknown as Container;
    await expect(openAdminChannel(c)).rejects.toThrow(/admin socket path .* is too long for a Unix socket/);
  });
});
