import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createApprovals, defineAction, type Approvals } from "../../../core/approvals/index.ts";
import { createAudit, type Audit } from "../../../core/audit/index.ts";
import {
  ManualClock,
  newId,
  sleep,
  sql,
  systemContext,
  type CoreContext,
  type StaffRole,
} from "../../../core/shared/index.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";

const sys = systemContext("test", { channel: "cli" });
const staff = (role: StaffRole, userId = newId()): CoreContext => ({
  ...sys,
  channel: "slack",
  requestId: `req-${userId}`,
  actor: { kind: "staff", userId, role },
});

/**
 * A reviewable action as any module would register one: a wallet credit over 100.00 needs two people.
 * Its executor writes a row, so "executed once" is counted in the database.
 */
function creditAction(t: TestDatabase, opts: { failWith?: string } = {}) {
  return defineAction<{ userId: string; amount: bigint }>({
    name: "test.credit",
    permission: "wallet.credit",
    schema: z.object({ userId: z.string().uuid(), amount: z.coerce.bigint().positive() }),
    needsApproval: async (_ctx, p) => p.amount > 10_000n,
    describe: async (_ctx, p) => `credit ${p.amount} to ${p.userId}`,
    target: (p) => ({ type: "user", id: p.userId }),
    async execute(ctx, p, meta) {
      await sleep(20); // widen the window in which racing approvals could both execute
      if (opts.failWith) throw new Error(opts.failWith);
      await t.db.sql.execute(
        sql`INSERT INTO test_credits (key, user_id, amount, by) VALUES (${meta.idempotencyKey}::text, ${p.userId}::uuid, ${p.amount}::int8, ${ctx.actor.kind}::text)`,
      );
      return { credited: p.amount };
    },
  });
}

describe("two-person approvals", () => {
  let t: TestDatabase;
  let audit: Audit;
  let approvals: Approvals;
  const clock = new ManualClock();
  const credits = async () =>
    (await t.db.sql.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM test_credits`))[0]!.n;
  const requests = async () =>
    (await t.db.sql.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM approval_requests`))[0]!.n;
  const auditOf = async (approvalId: string) =>
    (
      await t.db.sql.query<{ action: string; outcome: string }>(
        sql`SELECT action, outcome FROM audit_log WHERE approval_id = ${approvalId}::uuid ORDER BY seq`,
      )
    ).map((r) => `${r.action} ${r.outcome}`);

  beforeAll(async () => {
    t = await createTestDatabase("approvals");
    await t.db.sql.execute(sql`CREATE TABLE test_credits (key text PRIMARY KEY, user_id uuid, amount int8, by text)`);
    audit = createAudit({ sql: t.db.sql, clock });
    approvals = createApprovals({ sql: t.db.sql, clock, audit, actions: [creditAction(t)] });
  });
  afterAll(() => t.drop());
  beforeEach(async () => {
    await t.db.sql.execute(sql`DELETE FROM test_credits`);
  });

  const asker = staff("finance");
  const payload = (amount: bigint) => ({ userId: "0190a0a0-0000-7000-8000-000000000001", amount: amount.toString() });

  it("executes at once under the threshold, audited", async () => {
    const r = await approvals.submit(asker, { action: "test.credit", payload: payload(5_000n), reason: "goodwill" });
    expect(r).toEqual({ status: "executed", result: { credited: "5000" } });
    expect(await credits()).toBe(1);
    const [e] = await audit.trail(sys, { recent: true }, { limit: 1 });
    expect(e).toMatchObject({
      action: "test.credit",
      outcome: "ok",
      targetType: "user",
      details: { reason: "goodwill" },
    });
  });

  it("above the threshold waits for a second person; the asker cannot approve their own", async () => {
    const r = await approvals.submit(asker, {
      action: "test.credit",
      payload: payload(50_000n),
      reason: "offline transfer",
    });
    if (r.status !== "pending") throw new Error(`expected pending, got ${r.status}`);
    expect(r.request).toMatchObject({
      status: "PENDING",
      summary: `credit 50000 to ${payload(1n).userId}`,
      reason: "offline transfer",
    });
    expect(r.request.expiresAt.getTime() - clock.now().getTime()).toBe(24 * 3_600_000);
    expect(await credits()).toBe(0);

    expect(await approvals.approve(asker, { requestId: r.request.id })).toMatchObject({
      ok: false,
      code: "own_request",
    });
    // A staff member whose role lacks the action's permission is refused (and audited).
    await expect(approvals.approve(staff("support"), { requestId: r.request.id })).rejects.toMatchObject({
      type: "forbidden",
    });
    await expect(approvals.approve(sys, { requestId: r.request.id })).rejects.toMatchObject({ code: "staff_only" });
    expect(await credits()).toBe(0);

    const ok = await approvals.approve(staff("admin"), { requestId: r.request.id, note: "seen the bank slip" });
    expect(ok).toMatchObject({
      ok: true,
      result: { credited: "50000" },
      request: { status: "EXECUTED", note: "seen the bank slip" },
    });
    expect(await credits()).toBe(1);
    expect((await t.db.sql.query<{ key: string }>(sql`SELECT key FROM test_credits`))[0]!.key).toBe(
      `approval:${r.request.id}`,
    );

    // Decided is decided: a second approval, or a rejection after it, changes nothing.
    expect(await approvals.approve(staff("owner"), { requestId: r.request.id })).toMatchObject({
      ok: false,
      code: "already_decided",
    });
    expect(await approvals.reject(staff("owner"), { requestId: r.request.id })).toMatchObject({
      ok: false,
      code: "already_decided",
    });
    expect(await credits()).toBe(1);
    expect(await auditOf(r.request.id)).toEqual([
      "test.credit requested",
      "approvals.approve refused", // own request
      "approvals.approve refused", // support: no wallet.credit
      "approvals.approve refused", // the system is nobody
      "test.credit approved",
      "test.credit ok",
      "approvals.approve refused", // already decided
      "approvals.reject refused",
    ]);
  });

  it("executes exactly once when 20 approvals race (different people, the same person twice)", async () => {
    const r = await approvals.submit(asker, { action: "test.credit", payload: payload(99_999n), reason: "race" });
    if (r.status !== "pending") throw new Error("expected pending");
    const admin = staff("admin");
    const approvers = [...Array.from({ length: 18 }, () => staff("finance")), admin, admin];
    const results = await Promise.all(approvers.map((ctx) => approvals.approve(ctx, { requestId: r.request.id })));
    expect(results.filter((x) => x.ok)).toHaveLength(1);
    expect(results.filter((x) => !x.ok && x.code === "already_decided")).toHaveLength(19);
    expect(await credits()).toBe(1);
    const trail = await auditOf(r.request.id);
    expect(trail.filter((l) => l === "test.credit approved")).toHaveLength(1);
    expect(trail.filter((l) => l === "test.credit ok")).toHaveLength(1);
    expect(await audit.verify(sys)).toMatchObject({ ok: true });
  });

  it("a rejected request never executes", async () => {
    const r = await approvals.submit(asker, { action: "test.credit", payload: payload(20_000n), reason: "maybe" });
    if (r.status !== "pending") throw new Error("expected pending");
    expect(await approvals.reject(staff("finance"), { requestId: r.request.id, note: "no slip" })).toMatchObject({
      ok: true,
      request: { status: "REJECTED", note: "no slip" },
    });
    expect(await approvals.approve(staff("finance"), { requestId: r.request.id })).toMatchObject({
      code: "already_decided",
    });
    expect(await credits()).toBe(0);
  });

  it("the asker (only) withdraws a waiting request: out of the queue, never executed, audited", async () => {
    const r = await approvals.submit(asker, { action: "test.credit", payload: payload(20_000n), reason: "oops" });
    if (r.status !== "pending") throw new Error("expected pending");
    await expect(approvals.withdraw(staff("finance"), { requestId: r.request.id })).rejects.toMatchObject({
      code: "not_the_asker",
    });
    await expect(approvals.withdraw(sys, { requestId: r.request.id })).rejects.toMatchObject({ code: "not_the_asker" });
    const both = await Promise.all([
      approvals.withdraw(asker, { requestId: r.request.id, note: "asked by mistake" }),
      approvals.withdraw(asker, { requestId: r.request.id }),
    ]);
    expect(both.map((b) => b.changed).sort()).toEqual([false, true]);
    expect(await approvals.get(sys, r.request.id)).toMatchObject({ status: "WITHDRAWN", note: "asked by mistake" });
    expect((await approvals.pending(sys)).map((p) => p.id)).not.toContain(r.request.id);
    expect(await approvals.approve(staff("finance"), { requestId: r.request.id })).toMatchObject({
      code: "already_decided",
    });
    expect(await credits()).toBe(0);
    expect(await auditOf(r.request.id)).toContain("approvals.withdraw ok");
    await expect(
      approvals.withdraw(asker, { requestId: "0190a0a0-0000-7000-8000-00000000beef" }),
    ).rejects.toMatchObject({ code: "approval_not_found" });
  });

  it("requests expire: a late approval is refused and says so; the sweeper expires the rest", async () => {
    const a = await approvals.submit(asker, { action: "test.credit", payload: payload(20_000n), reason: "late one" });
    const b = await approvals.submit(asker, { action: "test.credit", payload: payload(30_000n), reason: "late two" });
    if (a.status !== "pending" || b.status !== "pending") throw new Error("expected pending");
    expect((await approvals.pending(staff("viewer"))).map((p) => p.id)).toEqual(
      expect.arrayContaining([a.request.id, b.request.id]),
    );
    clock.advance(24 * 3_600_000 + 1);
    expect((await approvals.pending(staff("viewer"))).map((p) => p.id)).not.toContain(a.request.id);
    expect(await approvals.approve(staff("admin"), { requestId: a.request.id })).toMatchObject({
      ok: false,
      code: "expired",
      request: { status: "EXPIRED" },
    });
    const swept = await approvals.expireDue(sys);
    expect(swept.map((s) => s.id)).toContain(b.request.id);
    expect(swept.map((s) => s.id)).not.toContain(a.request.id);
    expect(await approvals.approve(staff("admin"), { requestId: b.request.id })).toMatchObject({ code: "expired" });
    expect(await credits()).toBe(0);
    expect(await auditOf(b.request.id)).toEqual([
      "test.credit requested",
      "test.credit expired",
      "approvals.approve refused",
    ]);
  });

  it("an executor that fails leaves the request FAILED (not re-run by a later approval), audited", async () => {
    const failing = createApprovals({
      sql: t.db.sql,
      clock,
      audit,
      actions: [creditAction(t, { failWith: "supplier down" })],
    });
    const r = await failing.submit(asker, { action: "test.credit", payload: payload(20_000n), reason: "will fail" });
    if (r.status !== "pending") throw new Error("expected pending");
    expect(await failing.approve(staff("admin"), { requestId: r.request.id })).toMatchObject({
      ok: false,
      code: "execution_failed",
      error: "supplier down",
      request: { status: "FAILED", error: "supplier down" },
    });
    expect(await failing.approve(staff("owner"), { requestId: r.request.id })).toMatchObject({
      code: "already_decided",
    });
    expect(await auditOf(r.request.id)).toEqual([
      "test.credit requested",
      "test.credit approved",
      "test.credit failed",
      "approvals.approve refused",
    ]);
  });

  it("refuses bad requests with a specific error, creates nothing, audits the refusal", async () => {
    const before = await requests();
    const seq = async () => (await audit.trail(sys, { recent: true }, { limit: 1 }))[0]!.seq;
    const s0 = await seq();
    await expect(approvals.submit(asker, { action: "nope", payload: {}, reason: "why not" })).rejects.toMatchObject({
      code: "unknown_action",
    });
    await expect(
      approvals.submit(asker, { action: "test.credit", payload: { userId: "x", amount: "-1" }, reason: "bad" }),
    ).rejects.toMatchObject({ code: "invalid_payload", message: expect.stringContaining("userId") });
    await expect(
      approvals.submit(asker, { action: "test.credit", payload: payload(50_000n), reason: " " }),
    ).rejects.toMatchObject({
      code: "invalid_reason",
    });
    await expect(
      approvals.submit(staff("viewer"), { action: "test.credit", payload: payload(50_000n), reason: "I want" }),
    ).rejects.toMatchObject({ type: "forbidden" });
    await expect(
      approvals.submit(
        { ...sys, actor: { kind: "buyer", userId: newId() } },
        { action: "test.credit", payload: payload(1n), reason: "me" },
      ),
    ).rejects.toMatchObject({ type: "forbidden" });
    await expect(approvals.approve(staff("admin"), { requestId: newId() })).rejects.toMatchObject({
      code: "approval_not_found",
    });
    await expect(approvals.approve(staff("admin"), { requestId: "not-an-id" })).rejects.toMatchObject({
      code: "approval_not_found",
    });
    await expect(approvals.pending({ ...sys, actor: { kind: "visitor" } })).rejects.toMatchObject({
      type: "forbidden",
    });
    expect(await requests()).toBe(before);
    expect(await credits()).toBe(0);
    const refusals = await audit.trail(sys, { recent: true }, { limit: 7 });
    expect(refusals.map((e) => e.outcome)).toEqual(Array(7).fill("refused"));
    expect((await seq()) - s0).toBe(7n);
  });

  it("refuses to register one action name twice", () => {
    expect(() => createApprovals({ sql: t.db.sql, clock, audit, actions: [creditAction(t), creditAction(t)] })).toThrow(
      "registered twice",
    );
  });
});
