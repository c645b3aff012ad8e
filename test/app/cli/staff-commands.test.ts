import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bufferIo, runCli } from "../../../app/cli/run-cli.ts";
import { TEST_ENCRYPTION_KEY } from "../../support/container.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";

describe("CLI: staff and audit", () => {
  let t: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    t = await createTestDatabase("staffcli");
    await t.db.close();
    dir = await mkdtemp(path.join(tmpdir(), "kameng-staffcli-"));
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
  });
  afterAll(async () => {
    await t.drop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs one command in this process, as `npm run cli -- …` would; its output and exit code. */
  const cli = async (...args: string[]) => {
    const io = bufferIo();
    const code = await runCli(args, { io });
    return { code, out: io.out(), err: io.err() };
  };

  it("adds the first owner, lists, changes roles, refuses bad input, removes — and the chain verifies", async () => {
    const owner = await cli(
      "staff",
      "add",
      "--name",
      "Olga",
      "--role",
      "owner",
      "--slack",
      "U0OWNER1",
      "--telegram",
      "1001",
    );
    expect(owner.code).toBe(0);
    const ownerId = /added: ([0-9a-f-]{36})/.exec(owner.out)?.[1];
    expect(ownerId).toBeDefined();

    const fin = await cli("staff", "add", "--name", "Fang", "--role", "finance", "--telegram", "2002");
    const finId = /added: ([0-9a-f-]{36})/.exec(fin.out)![1]!;

    const bad = await cli("staff", "add", "--name", "X", "--role", "boss");
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("--role must be one of owner, admin, operator, finance, support, viewer");
    const taken = await cli("staff", "add", "--name", "Y", "--role", "viewer", "--telegram", "2002");
    expect(taken.code).toBe(1);
    expect(taken.err).toContain("chat_account_taken");

    expect((await cli("staff", "role", finId, "support")).out).toContain("Fang: finance → support");
    const last = await cli("staff", "remove", ownerId!);
    expect(last.code).toBe(1);
    expect(last.err).toContain("last_owner");

    const list = await cli("staff", "list");
    expect(list.out.trim().split("\n")).toEqual([
      `${ownerId}  owner     Olga  slack:U0OWNER1  telegram:1001`,
      `${finId}  support   Fang  telegram:2002`,
    ]);
    expect((await cli("staff", "remove", finId)).code).toBe(0);

    const ok = await cli("audit", "verify");
    expect(ok.code).toBe(0);
    expect(ok.out).toContain("audit chain intact: 4 rows, head at 4");
    const trail = await cli("audit", "trail", "--target", `staff:${finId}`);
    expect(
      trail.out
        .trim()
        .split("\n")
        .map((l) => l.split(" ")[4]),
    ).toEqual(["staff.remove", "staff.role", "staff.add"]);
  });

  it("audit verify names the first broken row after a superuser edits one (exit code 2)", async () => {
    const su = new pg.Client({ connectionString: t.url });
    await su.connect();
    try {
      await su.query("SET session_replication_role = replica");
      await su.query("UPDATE audit_log SET details = '{}' WHERE seq = 2");
    } finally {
      await su.end();
    }
    const broken = await cli("audit", "verify");
    expect(broken.code).toBe(2);
    expect(broken.err).toContain("audit chain BROKEN at row 2: hash mismatch (1 rows before it hold)");
  });
});
