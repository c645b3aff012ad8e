import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAudit, type Audit } from "../../../core/audit/index.ts";
import { ManualClock, systemContext, type CoreContext } from "../../../core/shared/index.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";

const sys = systemContext("cli:test", { channel: "cli" });
const staffCtx = (n: number): CoreContext => ({
  ...sys,
  channel: "slack",
  requestId: `req-${n}`,
  actor: { kind: "staff", userId: "0190a0a0-0000-7000-8000-00000000000" + (n % 10), role: "finance" },
});

describe("the audit trail: append-only, hash-chained", () => {
  let t: TestDatabase;
  let audit: Audit;
  /** A superuser session: what someone with the database's keys could do, triggers bypassed. */
  let su: pg.Client;
  const clock = new ManualClock();
  beforeAll(async () => {
    t = await createTestDatabase("audit");
    audit = createAudit({ sql: t.db.sql, clock });
    su = new pg.Client({ connectionString: t.url });
    await su.connect();
  });
  afterAll(async () => {
    await su.end();
    await t.drop();
  });
  beforeEach(async () => {
    // A fresh chain per test (as a superuser: TRUNCATE is refused to everyone else).
    await su.query("SET session_replication_role = replica");
    await su.query("TRUNCATE audit_log");
    await su.query("UPDATE audit_head SET seq = 0, hash = repeat('0', 64)");
    await su.query("SET session_replication_role = DEFAULT");
  });

  const fill = async (n: number) => {
    for (let i = 1; i <= n; i++) {
      clock.advance(1000);
      await audit.record(staffCtx(i), {
        action: "orders.refund",
        outcome: i % 3 === 0 ? "refused" : "ok",
        targetType: "order",
        targetId: `order-${i}`,
        details: {
          amount: BigInt(100 * i),
          before: { status: "FAILED" },
          after: { status: "REFUNDED" },
          z: 1,
          a: [2, { y: 1, b: 2 }],
        },
      });
    }
  };

  it("records who, where, what and when, each row chained to the one before", async () => {
    await fill(3);
    const rows = await audit.trail(sys, { recent: true });
    expect(rows.map((r) => r.seq)).toEqual([3n, 2n, 1n]);
    expect(rows[2]).toMatchObject({
      actor: "staff:finance:0190a0a0-0000-7000-8000-000000000001",
      actorKind: "staff",
      role: "finance",
      channel: "slack",
      requestId: "req-1",
      action: "orders.refund",
      outcome: "ok",
      targetType: "order",
      targetId: "order-1",
      details: { amount: "100", before: { status: "FAILED" } },
      prevHash: "0".repeat(64),
    });
    expect(rows[1]!.prevHash).toBe(rows[2]!.hash);
    expect(rows[0]!.prevHash).toBe(rows[1]!.hash);
    expect(await audit.verify(sys)).toEqual({ ok: true, rows: 3, headSeq: 3n });
  });

  it("refuses UPDATE, DELETE and TRUNCATE of audit rows for everyone who keeps the triggers", async () => {
    await fill(2);
    await expect(su.query("UPDATE audit_log SET outcome = 'ok' WHERE seq = 1")).rejects.toThrow(/append-only/);
    await expect(su.query("DELETE FROM audit_log WHERE seq = 2")).rejects.toThrow(/append-only/);
    await expect(su.query("TRUNCATE audit_log")).rejects.toThrow(/append-only/);
    expect(await audit.verify(sys)).toMatchObject({ ok: true, rows: 2 });
  });

  describe("names the first row that does not hold after a superuser bypasses the triggers", () => {
    const tamper = async (statement: string) => {
      await su.query("SET session_replication_role = replica");
      try {
        await su.query(statement);
      } finally {
        await su.query("SET session_replication_role = DEFAULT");
      }
    };

    it("an edited row (hash no longer matches its content)", async () => {
      await fill(6);
      await tamper(`UPDATE audit_log SET details = jsonb_set(details, '{amount}', '"1"') WHERE seq = 4`);
      expect(await audit.verify(sys, { pageSize: 2 })).toEqual({
        ok: false,
        seq: 4n,
        problem: "hash_mismatch",
        rows: 3,
      });
    });

    it("an edited row whose hash was recomputed too (the next row's link breaks)", async () => {
      await fill(4);
      await tamper(`UPDATE audit_log SET outcome = 'ok', hash = repeat('a', 64) WHERE seq = 3`);
      const r = await audit.verify(sys);
      expect(r).toMatchObject({ ok: false, seq: 3n });
    });

    it("a deleted row in the middle (a gap)", async () => {
      await fill(5);
      await tamper("DELETE FROM audit_log WHERE seq = 2");
      expect(await audit.verify(sys)).toEqual({ ok: false, seq: 2n, problem: "missing_row", rows: 1 });
    });

    it("the newest rows cut off (the head is ahead of the chain)", async () => {
      await fill(5);
      await tamper("DELETE FROM audit_log WHERE seq >= 4");
      expect(await audit.verify(sys)).toEqual({ ok: false, seq: 4n, problem: "head_mismatch", rows: 3 });
    });

    it("rows renumbered to hide a deletion (links break)", async () => {
      await fill(4);
      await tamper("DELETE FROM audit_log WHERE seq = 2");
      await tamper("UPDATE audit_log SET seq = seq - 1 WHERE seq > 2");
      await tamper("UPDATE audit_head SET seq = 3");
      expect(await audit.verify(sys)).toMatchObject({ ok: false, seq: 2n, problem: "broken_link" });
    });
  });

  it("keeps one chain under 50 concurrent appends (no fork, no gap, no duplicate)", async () => {
    await fill(1);
    const entries = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        audit.record(staffCtx(i), { action: "bot.command", outcome: "ok", details: { i } }),
      ),
    );
    expect(new Set(entries.map((e) => e.seq)).size).toBe(50);
    expect(new Set(entries.map((e) => e.prevHash)).size).toBe(50);
    expect(await audit.verify(sys)).toEqual({ ok: true, rows: 51, headSeq: 51n });
  });

  it("rolls the entry back with its caller's transaction (the head with it)", async () => {
    await fill(2);
    await expect(
      t.db.sql.transaction(async (tx) => {
        await audit.record(sys, { action: "staff.add", outcome: "ok" }, { tx });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await audit.verify(sys)).toEqual({ ok: true, rows: 2, headSeq: 2n });
  });

  it("records a delegated call as the person it acts for, and a visitor's refusal as the visitor", async () => {
    const staff = { kind: "staff" as const, userId: "0190a0a0-0000-7000-8000-0000000000aa", role: "owner" as const };
    const e = await audit.record(
      { ...sys, actor: { kind: "system", process: "staff.add", onBehalfOf: staff } },
      { action: "staff.add", outcome: "ok" },
    );
    expect(e).toMatchObject({ actorKind: "system", actorUserId: staff.userId, role: "owner" });
    expect(e.actor).toBe(`system:staff.add for staff:owner:${staff.userId}`);
    const v = await audit.record(
      { ...sys, channel: "telegram", actor: { kind: "visitor" } },
      { action: "bot.command", outcome: "refused" },
    );
    expect(v).toMatchObject({ actorKind: "visitor", actorUserId: null, outcome: "refused", channel: "telegram" });
  });

  it("refuses bad entries and readers without audit.read, appending nothing", async () => {
    await fill(1);
    await expect(audit.record(sys, { action: "", outcome: "ok" })).rejects.toMatchObject({
      code: "invalid_audit_action",
    });
    await expect(audit.record(sys, { action: "x", outcome: "done" as "ok" })).rejects.toMatchObject({
      code: "invalid_audit_outcome",
    });
    await expect(audit.record(sys, { action: "x", outcome: "ok", approvalId: "nope" })).rejects.toMatchObject({
      code: "invalid_approval_id",
    });
    for (const role of ["operator", "finance", "support", "viewer"] as const) {
      const ctx: CoreContext = {
        ...sys,
        actor: { kind: "staff", userId: "0190a0a0-0000-7000-8000-000000000001", role },
      };
      await expect(audit.verify(ctx)).rejects.toMatchObject({ type: "forbidden" });
      await expect(audit.trail(ctx, { recent: true })).rejects.toMatchObject({ type: "forbidden" });
    }
    const admin: CoreContext = {
      ...sys,
      actor: { kind: "staff", userId: "0190a0a0-0000-7000-8000-000000000001", role: "admin" },
    };
    expect(await audit.verify(admin)).toEqual({ ok: true, rows: 1, headSeq: 1n });
  });
});
