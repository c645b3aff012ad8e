import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId, sql, type CoreContext } from "../../../core/shared/index.ts";
import { kycCheckFor } from "../../../core/kyc/index.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";
import { openKyc, residentId, type KycFixture } from "./kyc-fixture.ts";

describe("KYC submissions and staff review", () => {
  let t: TestDatabase;
  let f: KycFixture;
  const rows = async () =>
    (await t.db.sql.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM kyc_submissions`))[0]!.n;
  const outbox = async (type: string) =>
    (
      await t.db.sql.query<{ payload: Record<string, unknown> }>(
        sql`SELECT payload FROM outbox_events WHERE type = ${type}::text ORDER BY id`,
      )
    ).map((r) => r.payload);
  const auditOf = async (id: string) =>
    (
      await t.db.sql.query<{ action: string; outcome: string }>(
        sql`SELECT action, outcome FROM audit_log WHERE target_id = ${id}::text ORDER BY seq`,
      )
    ).map((r) => `${r.action} ${r.outcome}`);
  const submit = (who: CoreContext, name: string, idNumber: string) =>
    f.kyc.submit(who, { userId: (who.actor as { userId: string }).userId, name, idNumber });

  beforeAll(async () => {
    t = await createTestDatabase("kyc");
    f = openKyc(t);
  });
  afterAll(() => t.drop());

  it("stores a valid submission sealed, masked for staff, waiting for review; the user is told by event", async () => {
    const me = f.buyer();
    const id = residentId("440106", "19900307", "123");
    const r = await submit(me, "张三", id);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.submission).toMatchObject({
      status: "PENDING",
      idMasked: `4401**********${id.slice(-4)}`,
      nameMasked: "张*",
      regionName: "广东省 广州市 天河区",
      provider: "sandbox",
      providerResult: "match",
      duplicateOf: null,
    });
    // At rest: the raw row holds neither the name nor the number, only sealed values and a keyed hash.
    const [raw] = await t.db.sql.query<Record<string, string>>(
      sql`SELECT * FROM kyc_submissions WHERE id = ${r.submission.id}::uuid`,
    );
    const rawText = JSON.stringify(raw);
    expect(rawText).not.toContain(id);
    expect(rawText).not.toContain(id.slice(6, 14));
    expect(rawText).not.toContain("张三");
    expect(raw!.id_number_enc).toMatch(/^v1\./);
    expect(f.secrets.decrypt(raw!.id_number_enc!)).toBe(id);
    expect(f.secrets.decrypt(raw!.name_enc!)).toBe("张三");
    expect(raw!.id_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await f.kyc.state(me, (me.actor as { userId: string }).userId)).toMatchObject({ status: "PENDING" });
    expect((await outbox("kyc.submitted")).at(-1)).toEqual({
      submissionId: r.submission.id,
      userId: r.submission.userId,
      status: "PENDING",
    });
    // A second submission while one waits is refused.
    expect(await submit(me, "张三", id)).toEqual({ ok: false, code: "already_pending" });
  });

  it("answers each wrong number with its problem and stores nothing", async () => {
    const before = await rows();
    const events = (await outbox("kyc.submitted")).length;
    const me = f.buyer();
    const good = residentId("110105", "19850101");
    const cases: Array<[string, string]> = [
      [good.slice(0, 17), "length"],
      ["11010519850101ABCD", "characters"],
      [residentId("990105", "19850101"), "region"],
      [residentId("110105", "19850231"), "birth_date"],
      [residentId("110105", "20300101"), "future_birth_date"],
      [residentId("110105", "20100101"), "under_18"],
      [good.slice(0, 17) + (good[17] === "1" ? "2" : "1"), "checksum"],
    ];
    for (const [idNumber, problem] of cases)
      expect(await submit(me, "李四", idNumber)).toEqual({ ok: false, code: "invalid_id_number", problem });
    expect(await submit(me, "李", good)).toEqual({ ok: false, code: "invalid_name", problem: "name_length" });
    expect(await submit(me, "DROP TABLE;", good)).toEqual({
      ok: false,
      code: "invalid_name",
      problem: "name_characters",
    });
    expect(await rows()).toBe(before);
    expect((await outbox("kyc.submitted")).length).toBe(events);
  });

  it("rejects at once what the provider says does not match, and tells the user", async () => {
    const me = f.buyer();
    const r = await submit(me, "王不符", residentId("310101", "19800101"));
    expect(r).toMatchObject({
      ok: true,
      submission: { status: "REJECTED", providerResult: "mismatch", reason: "provider_mismatch" },
    });
    expect((await outbox("kyc.rejected")).at(-1)).toMatchObject({
      userId: (me.actor as { userId: string }).userId,
      reason: "provider_mismatch",
    });
  });

  it("lets staff approve once, audited; the withdrawal check then sees the user verified", async () => {
    const me = f.buyer();
    const userId = (me.actor as { userId: string }).userId;
    const r = await submit(me, "赵六", residentId("320102", "19750505"));
    if (!r.ok) throw new Error("submit failed");
    const check = kycCheckFor(f.kyc);
    expect(await check.isVerified(userId)).toBe(false);
    const reviewer = f.staff("finance");
    const results = await Promise.all(
      Array.from({ length: 10 }, () => f.kyc.approve(reviewer, { submissionId: r.submission.id })),
    );
    expect(results.filter((x) => x.ok)).toHaveLength(1);
    expect(results.filter((x) => !x.ok && x.code === "not_pending")).toHaveLength(9);
    expect(await check.isVerified(userId)).toBe(true);
    expect((await outbox("kyc.verified")).filter((p) => p.submissionId === r.submission.id)).toHaveLength(1);
    const trail = await auditOf(r.submission.id);
    expect(trail.filter((x) => x === "kyc.approve ok")).toHaveLength(1);
    expect(trail.filter((x) => x === "kyc.approve refused")).toHaveLength(9);
    expect(await submit(me, "赵六", residentId("320102", "19750505"))).toEqual({ ok: false, code: "already_verified" });
  });

  it("verifies one account per ID number unless staff override it with a reason", async () => {
    const id = residentId("330106", "19880808");
    const a = f.buyer();
    const b = f.buyer();
    const reviewer = f.staff("admin");
    const ra = await submit(a, "钱七", id);
    if (!ra.ok) throw new Error("submit failed");
    await f.kyc.approve(reviewer, { submissionId: ra.submission.id });
    const rb = await submit(b, "钱七", ` ${id.toLowerCase()} `);
    if (!rb.ok) throw new Error("submit failed");
    expect(rb.submission.duplicateOf).toBe((a.actor as { userId: string }).userId);
    const refused = await f.kyc.approve(reviewer, { submissionId: rb.submission.id });
    expect(refused).toMatchObject({ ok: false, code: "id_in_use", submission: { status: "PENDING" } });
    await expect(f.kyc.approve(reviewer, { submissionId: rb.submission.id, allowShared: true })).rejects.toMatchObject({
      code: "invalid_reason",
    });
    const over = await f.kyc.approve(reviewer, {
      submissionId: rb.submission.id,
      allowShared: true,
      reason: "same person, second shop account",
    });
    expect(over).toMatchObject({ ok: true, submission: { status: "VERIFIED", shared: true } });
    expect(await auditOf(rb.submission.id)).toEqual(["kyc.approve refused", "kyc.approve ok"]);
  });

  it("two accounts with one ID number approved at once: exactly one is verified", async () => {
    const id = residentId("420102", "19700101");
    const subs = [];
    for (let i = 0; i < 6; i++) {
      const r = await submit(f.buyer(), "孙八", id);
      if (!r.ok) throw new Error("submit failed");
      subs.push(r.submission.id);
    }
    const reviewer = f.staff("owner");
    const results = await Promise.all(subs.map((submissionId) => f.kyc.approve(reviewer, { submissionId })));
    expect(results.filter((x) => x.ok)).toHaveLength(1);
    expect(results.filter((x) => !x.ok && x.code === "id_in_use")).toHaveLength(5);
    const [n] = await t.db.sql.query<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM kyc_submissions WHERE id = ANY(${subs}::uuid[]) AND status = 'VERIFIED'`,
    );
    expect(n!.n).toBe(1);
  });

  it("rejects with a reason the user is told; a reason is required", async () => {
    const me = f.buyer();
    const r = await submit(me, "周九", residentId("510104", "19920229"));
    if (!r.ok) throw new Error("submit failed");
    const reviewer = f.staff("support");
    await expect(f.kyc.reject(reviewer, { submissionId: r.submission.id, reason: " " })).rejects.toMatchObject({
      code: "invalid_reason",
    });
    const done = await f.kyc.reject(reviewer, { submissionId: r.submission.id, reason: "照片模糊，请重新提交" });
    expect(done).toMatchObject({ ok: true, submission: { status: "REJECTED", reason: "照片模糊，请重新提交" } });
    expect((await outbox("kyc.rejected")).at(-1)).toMatchObject({
      submissionId: r.submission.id,
      reason: "照片模糊，请重新提交",
    });
    expect(await f.kyc.reject(reviewer, { submissionId: r.submission.id, reason: "again" })).toMatchObject({
      ok: false,
      code: "not_pending",
    });
    // After a rejection the user may submit again.
    expect((await submit(me, "周九", residentId("510104", "19920229"))).ok).toBe(true);
  });

  it("guards every call: customers only for themselves, staff by role", async () => {
    const me = f.buyer();
    await expect(
      f.kyc.submit(me, { userId: newId(), name: "张三", idNumber: residentId("440106", "19900307") }),
    ).rejects.toMatchObject({
      code: "user_not_found",
    });
    await expect(f.kyc.queue(me)).rejects.toMatchObject({ code: "forbidden" });
    await expect(f.kyc.queue(f.staff("viewer"))).rejects.toMatchObject({ code: "forbidden" });
    await expect(f.kyc.approve(f.staff("operator"), { submissionId: newId() })).rejects.toMatchObject({
      code: "forbidden",
    });
    await expect(f.kyc.approve(f.staff("admin"), { submissionId: newId() })).rejects.toMatchObject({
      code: "kyc_submission_not_found",
    });
    const queue = await f.kyc.queue(f.staff("support"));
    expect(queue.length).toBeGreaterThan(0);
    for (const s of queue) {
      expect(s.idMasked).toMatch(/^\d{4}\*{10}[\dX]{4}$/);
      expect(Object.keys(s)).not.toContain("idNumberEnc");
    }
  });
});
