import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAudit, type Audit } from "../../../core/audit/index.ts";
import { createIdentity } from "../../../core/identity/index.ts";
import { createStaff, type Staff } from "../../../core/staff/index.ts";
import { ManualClock, sql, systemContext, type CoreContext, type StaffRole } from "../../../core/shared/index.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";

const cli = systemContext("cli:test", { channel: "cli" });
const as = (userId: string, role: StaffRole): CoreContext => ({
  ...cli,
  channel: "slack",
  actor: { kind: "staff", userId, role },
});

describe("staff accounts and roles", () => {
  let t: TestDatabase;
  let staff: Staff;
  let audit: Audit;
  const clock = new ManualClock();
  beforeAll(async () => {
    t = await createTestDatabase("staff");
    audit = createAudit({ sql: t.db.sql, clock });
    staff = createStaff({ sql: t.db.sql, clock, users: createIdentity({ sql: t.db.sql, clock }), audit });
  });
  afterAll(() => t.drop());

  it("adds the first owner from the CLI (the system) and resolves their chats to a staff actor", async () => {
    const owner = await staff.add(cli, {
      name: "Olga",
      role: "owner",
      slackUserId: "U0OWNER1",
      telegramUserId: "1001",
    });
    expect(owner).toMatchObject({ name: "Olga", role: "owner", slackUserId: "U0OWNER1", telegramUserId: "1001" });
    expect(await staff.actorFor(cli, "slack", "U0OWNER1")).toEqual({
      kind: "staff",
      userId: owner.userId,
      role: "owner",
    });
    expect(await staff.actorFor(cli, "telegram", "1001")).toEqual({
      kind: "staff",
      userId: owner.userId,
      role: "owner",
    });
    // The ids are per platform: a Telegram id is nobody on Slack, and other channels have no staff.
    expect(await staff.actorFor(cli, "slack", "1001")).toBeNull();
    expect(await staff.actorFor(cli, "wechat", "1001")).toBeNull();
    expect(await staff.actorFor(cli, "telegram", "9999")).toBeNull();
    // The staff member is a user (identity owns it), and the creation is audited with the member as target.
    const users = await t.db.sql.query<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM users WHERE id = ${owner.userId}::uuid`,
    );
    expect(users[0]!.n).toBe(1);
    const [entry] = await audit.trail(cli, { targetType: "staff", targetId: owner.userId });
    expect(entry).toMatchObject({ action: "staff.add", outcome: "ok", actorKind: "system", channel: "cli" });
  });

  it("lets an owner add, re-role and remove members; each change audited with before and after", async () => {
    const owner = (await staff.actorFor(cli, "slack", "U0OWNER1"))!;
    const octx = as(owner.userId, "owner");
    const fin = await staff.add(octx, { name: "Fang", role: "finance", telegramUserId: "2002" });
    expect((await staff.list(octx)).map((m) => m.name)).toEqual(["Olga", "Fang"]);
    const { before, after } = await staff.setRole(octx, { userId: fin.userId, role: "support" });
    expect([before.role, after.role]).toEqual(["finance", "support"]);
    expect(await staff.actorFor(cli, "telegram", "2002")).toMatchObject({ role: "support" });
    const [roleEntry] = await audit.trail(cli, { targetType: "staff", targetId: fin.userId });
    expect(roleEntry).toMatchObject({
      action: "staff.role",
      actorUserId: owner.userId,
      role: "owner",
      channel: "slack",
      details: { before: { role: "finance" }, after: { role: "support" } },
    });
    await staff.remove(octx, { userId: fin.userId });
    expect(await staff.actorFor(cli, "telegram", "2002")).toBeNull();
    expect((await audit.trail(cli, { targetType: "staff", targetId: fin.userId }))[0]).toMatchObject({
      action: "staff.remove",
    });
  });

  it("refuses every staff change to anyone but owners (checked in the core), changing nothing", async () => {
    const admin = await staff.add(cli, { name: "Ada", role: "admin", slackUserId: "U0ADMIN1" });
    const before = await staff.list(cli);
    for (const role of ["admin", "operator", "finance", "support", "viewer"] as const) {
      const ctx = as(admin.userId, role);
      await expect(staff.add(ctx, { name: "X", role: "owner" })).rejects.toMatchObject({ type: "forbidden" });
      await expect(staff.setRole(ctx, { userId: admin.userId, role: "owner" })).rejects.toMatchObject({
        type: "forbidden",
      });
      await expect(staff.remove(ctx, { userId: admin.userId })).rejects.toMatchObject({ type: "forbidden" });
      await expect(staff.list(ctx)).rejects.toMatchObject({ type: "forbidden" });
    }
    await expect(staff.list({ ...cli, actor: { kind: "buyer", userId: admin.userId } })).rejects.toMatchObject({
      type: "forbidden",
    });
    expect(await staff.list(cli)).toEqual(before);
  });

  it("answers bad input with a specific error and writes nothing", async () => {
    const count = async () => (await staff.list(cli)).length;
    const n = await count();
    await expect(staff.add(cli, { name: "X", role: "boss" as StaffRole })).rejects.toMatchObject({
      code: "invalid_role",
    });
    await expect(staff.add(cli, { name: "  ", role: "viewer" })).rejects.toMatchObject({ code: "invalid_name" });
    await expect(staff.add(cli, { name: "X", role: "viewer", slackUserId: "bob" })).rejects.toMatchObject({
      code: "invalid_slack_user_id",
    });
    await expect(staff.add(cli, { name: "X", role: "viewer", telegramUserId: "-5" })).rejects.toMatchObject({
      code: "invalid_telegram_user_id",
    });
    await expect(staff.add(cli, { name: "X", role: "viewer", slackUserId: "U0OWNER1" })).rejects.toMatchObject({
      code: "chat_account_taken",
    });
    await expect(staff.setRole(cli, { userId: "not-a-uuid", role: "viewer" })).rejects.toMatchObject({
      code: "staff_not_found",
    });
    await expect(staff.remove(cli, { userId: "0190a0a0-0000-7000-8000-000000000000" })).rejects.toMatchObject({
      code: "staff_not_found",
    });
    expect(await count()).toBe(n);
  });

  it("never leaves the console without an owner, even when two owners demote each other at once", async () => {
    const olga = (await staff.actorFor(cli, "slack", "U0OWNER1"))!;
    await expect(staff.remove(cli, { userId: olga.userId })).rejects.toMatchObject({ code: "last_owner" });
    await expect(staff.setRole(cli, { userId: olga.userId, role: "admin" })).rejects.toMatchObject({
      code: "last_owner",
    });
    const second = await staff.add(cli, { name: "Otto", role: "owner", telegramUserId: "3003" });
    const results = await Promise.allSettled([
      staff.setRole(cli, { userId: olga.userId, role: "admin" }),
      staff.setRole(cli, { userId: second.userId, role: "admin" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect((await staff.list(cli)).filter((m) => m.role === "owner")).toHaveLength(1);
  });

  it("lets two adds race for one Telegram id: one wins, the other is told", async () => {
    const results = await Promise.allSettled(
      [1, 2, 3].map((i) => staff.add(cli, { name: `Racer ${i}`, role: "viewer", telegramUserId: "4004" })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results.filter((r) => r.status === "rejected"))
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: "chat_account_taken" });
  });
});
