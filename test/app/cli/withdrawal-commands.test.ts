import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bufferIo, runCli } from "../../../app/cli/run-cli.ts";
import { TEST_ENCRYPTION_KEY } from "../../support/container.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";

describe("CLI: withdrawals, payout accounts, KYC", () => {
  let t: TestDatabase;
  let dir: string;
  const userId = randomUUID();
  beforeAll(async () => {
    t = await createTestDatabase("withdrawalcli");
    await t.db.close();
    dir = await mkdtemp(path.join(tmpdir(), "kameng-withdrawalcli-"));
    Object.assign(process.env, {
      NODE_ENV: "test",
      DATABASE_URL: t.url,
      DATABASE_POOL_SIZE: "2",
      CODE_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      SANDBOX_WEBHOOK_SECRET: "whsec_test_secret_0123456789",
      DATA_DIR: dir,
      DEMO_SEED: "false",
      LOG_LEVEL: "silent",
    });
    const c = new pg.Client({ connectionString: t.url });
    await c.connect();
    await c.query(`INSERT INTO users (id, display_name) VALUES ($1, 'Agent A')`, [userId]);
    await c.end();
  });
  afterAll(async () => {
    await t.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const cli = async (...args: string[]) => {
    const io = bufferIo();
    const code = await runCli(args, { io });
    return { code, out: io.out(), err: io.err() };
  };

  it("sets the KYC flag, adds and lists a payout account masked, lists withdrawals", async () => {
    expect(await cli("kyc", "set", "--user", userId)).toMatchObject({
      code: 0,
      out: expect.stringContaining("verified"),
    });
    const added = await cli(
      "payout-account",
      "add",
      "--user",
      userId,
      "--kind",
      "alipay",
      "--account",
      "13912345678",
      "--name",
      "王五",
    );
    expect(added).toMatchObject({ code: 0, out: expect.stringContaining("139****5678") });
    const listed = await cli("payout-account", "list", "--user", userId);
    expect(listed.out).toContain("139****5678");
    expect(listed.out).not.toContain("13912345678");
    expect(await cli("withdrawal", "list")).toMatchObject({ code: 0, out: expect.stringContaining("no withdrawals") });
  });

  it("refuses bad input with a clear message and changes nothing", async () => {
    const bad = [
      ["kyc", "set", "--user", "nobody"],
      ["kyc", "set", "--user", userId, "--verified", "maybe"],
      ["kyc", "set", "--user", randomUUID()],
      ["payout-account", "add", "--user", userId, "--kind", "paypal", "--account", "x", "--name", "y"],
      ["payout-account", "add", "--user", userId, "--kind", "bank_card", "--account", "1234", "--name", "y"],
      ["withdrawal", "show", "not-an-id"],
      ["withdrawal", "show", randomUUID()],
      ["withdrawal", "list", "--status", "DONE"],
    ];
    for (const args of bad) {
      const r = await cli(...args);
      expect(r.code, args.join(" ")).not.toBe(0);
      expect(r.err.length, args.join(" ")).toBeGreaterThan(5);
    }
    const c = new pg.Client({ connectionString: t.url });
    await c.connect();
    const { rows } = await c.query(`SELECT count(*)::int AS n FROM payout_accounts`);
    await c.end();
    expect(rows[0].n).toBe(1);
  });
});
