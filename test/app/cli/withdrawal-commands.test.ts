import { randomUUID } from "node:crypto";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { useCliDatabase } from "./cli-fixture.ts";

describe("CLI: withdrawals, payout accounts, KYC", () => {
  const t = useCliDatabase("withdrawalcli");
  const { cli } = t;
  const userId = randomUUID();
  beforeAll(async () => {
    const c = new pg.Client({ connectionString: t.url });
    await c.connect();
    await c.query(`INSERT INTO users (id, display_name) VALUES ($1, 'Agent A')`, [userId]);
    await c.end();
  });

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
