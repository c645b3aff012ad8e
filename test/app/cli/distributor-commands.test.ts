import { randomUUID } from "node:crypto";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { useCliDatabase } from "./cli-fixture.ts";

describe("CLI: distributor add|show|list|tier|pin|tiers|applications|approve", () => {
  const t = useCliDatabase("distcli");
  const { cli } = t;
  async function users(n: number) {
    // The first command migrates the database; users are then inserted as the shop bot would create them.
    await cli("distributor", "tiers");
    const c = new pg.Client({ connectionString: t.url });
    await c.connect();
    const ids = Array.from({ length: n }, () => randomUUID());
    for (const id of ids) await c.query(`INSERT INTO users (id, display_name) VALUES ($1, 'u')`, [id]);
    await c.end();
    return ids;
  }

  it("adds an L1 and an L2, shows, lists, sets and pins tiers, decides applications; bad input exits non-zero", async () => {
    const tiers = await cli("distributor", "tiers");
    expect(tiers.code).toBe(0);
    expect(tiers.out).toContain("普通代理 Ordinary agent");
    expect(tiers.out).toContain("核心运营商 Core operator");
    const [l1, l2, applicant] = (await users(3)) as [string, string, string];

    expect((await cli("distributor", "add", l1, "--tier", "gold")).out).toContain(`distributor added: ${l1}  gold`);
    const sub = await cli("distributor", "add", l2, "--parent", l1);
    expect(sub.out).toContain(`L2 of ${l1}`);
    const show = await cli("distributor", "show", l1);
    expect(show.out).toContain(`team: ${l2}`);
    expect(show.out).toContain("wallet ¥0.00 available");
    expect((await cli("distributor", "list", "--tier", "gold")).out).toContain(l1);

    expect((await cli("distributor", "tier", l1, "core", "--pin")).out).toContain(
      "core (核心运营商 Core operator)  pinned",
    );
    expect((await cli("distributor", "pin", l1, "off")).out).toContain("unpinned");

    const bad = await cli("distributor", "tier", l1, "platinum");
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain("no tier platinum");
    const notOne = await cli("distributor", "show", applicant);
    expect(notOne.code).not.toBe(0);
    expect(notOne.err).toContain("is not a distributor");
    expect((await cli("distributor", "pin", l1, "maybe")).code).not.toBe(0);
    expect((await cli("distributor", "add", "not-a-user")).err).toContain("must be a user id");

    expect((await cli("distributor", "applications")).out).toContain("no pending applications");
    const none = await cli("distributor", "approve", applicant);
    expect(none.code).not.toBe(0);
    expect(none.err).toContain("no pending application");
    // An application from chat (`/agent`), approved here: the applicant is a distributor at the lowest tier.
    const c = new pg.Client({ connectionString: t.url });
    await c.connect();
    await c.query(`INSERT INTO distributor_applications (user_id, status) VALUES ($1, 'PENDING')`, [applicant]);
    await c.end();
    expect((await cli("distributor", "applications")).out).toContain(applicant);
    expect((await cli("distributor", "approve", applicant, "--note", "known shop")).out).toContain(
      `application approved: ${applicant}`,
    );
    expect((await cli("distributor", "show", applicant)).out).toContain("ordinary (普通代理 Ordinary agent)");
  });
});
