import pg from "pg";
import { describe, expect, it } from "vitest";
import { useCliDatabase } from "./cli-fixture.ts";

describe("CLI: staff and audit", () => {
  const t = useCliDatabase("staffcli");
  const { cli } = t;

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

    const fin = await cli("staff", "add", "--name", "Fang", "--role", "finance", "--telegram", "2002", "--lang", "zh");
    const finId = /added: ([0-9a-f-]{36})/.exec(fin.out)![1]!;
    const badLang = await cli("staff", "add", "--name", "Z", "--role", "viewer", "--lang", "fr");
    expect(badLang.code).toBe(1);
    expect(badLang.err).toContain("--lang must be zh, en or auto");

    const bad = await cli("staff", "add", "--name", "X", "--role", "boss");
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("--role must be one of owner, admin, operator, finance, support, viewer");
    const taken = await cli("staff", "add", "--name", "Y", "--role", "viewer", "--telegram", "2002");
    expect(taken.code).toBe(1);
    expect(taken.err).toContain("chat_account_taken");

    expect((await cli("staff", "role", finId, "support")).out).toContain("Fang: finance → support");
    expect((await cli("staff", "lang", ownerId!, "en")).out).toContain("Olga: auto → en");
    const last = await cli("staff", "remove", ownerId!);
    expect(last.code).toBe(1);
    expect(last.err).toContain("last_owner");

    const list = await cli("staff", "list");
    expect(list.out.trim().split("\n")).toEqual([
      `${ownerId}  owner     Olga  slack:U0OWNER1  telegram:1001  lang:en`,
      `${finId}  support   Fang  telegram:2002  lang:zh-CN`,
    ]);
    expect((await cli("staff", "remove", finId)).code).toBe(0);

    const ok = await cli("audit", "verify");
    expect(ok.code).toBe(0);
    expect(ok.out).toContain("audit chain intact: 5 rows, head at 5");
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
