import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { canonicalJson, createAudit, entryHash, type AuditEntry } from "../../../core/audit/index.ts";
import { contentAroundSeq } from "../../../core/audit/audit-hash.ts";
import { ManualClock, systemContext, type CoreContext, type SqlRunner } from "../../../core/shared/index.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";

const sys = systemContext("cli:test", { channel: "cli" });
const staffCtx = (n: number, userId = `0190a0a0-0000-7000-8000-0000000000${String(n % 100).padStart(2, "0")}`) =>
  ({
    ...sys,
    channel: "slack",
    requestId: `req-${n}`,
    actor: { kind: "staff", userId, role: "support" },
  }) as CoreContext;

/** The runner, counting the statements sent outside a transaction (the grouped appends). */
function counted(sql: SqlRunner) {
  const counter = { statements: 0 };
  const runner: SqlRunner = {
    ...sql,
    query: (s) => {
      counter.statements++;
      return sql.query(s);
    },
    transaction: (fn) => sql.transaction(fn),
  };
  return { runner, counter };
}

describe("appending to the audit chain in one statement, grouped under concurrency", () => {
  let t: TestDatabase;
  let su: pg.Client;
  const clock = new ManualClock();
  beforeAll(async () => {
    t = await createTestDatabase("audit_append");
    su = new pg.Client({ connectionString: t.url });
    await su.connect();
  });
  afterAll(async () => {
    await su.end();
    await t.drop();
  });
  beforeEach(async () => {
    await su.query("SET session_replication_role = replica");
    await su.query("TRUNCATE audit_log");
    await su.query("UPDATE audit_head SET seq = 0, hash = repeat('0', 64)");
    await su.query("SET session_replication_role = DEFAULT");
  });

  it("splits the hashed content around its seq exactly as canonicalJson writes it", () => {
    const e = {
      at: new Date("2026-12-02T15:00:00.123Z"),
      actor: "staff:support:x",
      actorKind: "staff",
      actorUserId: null,
      role: "support",
      channel: "slack",
      action: "bot.order",
      outcome: "ok",
      targetType: "order",
      targetId: "o-1",
      details: { note: '引号 "quoted"\n换行 🎉', z: [1, { b: 2, a: 1 }] },
      requestId: "req-1",
      approvalId: null,
    };
    const { before, after } = contentAroundSeq(e);
    const whole = canonicalJson({ ...e, at: e.at.toISOString(), seq: "12345" });
    expect(`${before}12345${after}`).toBe(whole);
  });

  it("hashes in PostgreSQL the bytes entryHash hashes (non-ASCII details included)", async () => {
    const audit = createAudit({ sql: t.db.sql, clock });
    const details = { reason: '客户说没收到卡密 — “引号” "quotes" \\ 🎉', n: 1, nested: { b: [true, null], a: "x" } };
    const e = await audit.record(staffCtx(1), { action: "bot.order", outcome: "ok", details });
    const { hash, ...unhashed } = e;
    expect(hash).toBe(entryHash(unhashed as Omit<AuditEntry, "hash">));
    const [stored] = await audit.trail(sys, { recent: true });
    expect(stored).toEqual(e);
    expect(await audit.verify(sys)).toEqual({ ok: true, rows: 1, headSeq: 1n });
  });

  it("groups concurrent appends into fewer statements and keeps one verifiable chain", async () => {
    const { runner, counter } = counted(t.db.sql);
    const audit = createAudit({ sql: runner, clock });
    const entries = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        audit.record(staffCtx(i), { action: "bot.order", outcome: "ok", details: { i } }),
      ),
    );
    expect(counter.statements).toBeLessThan(200);
    expect(counter.statements).toBeGreaterThan(0);
    // Each caller got its own row: seqs 1..200, each linked to the one before it.
    const bySeq = [...entries].sort((a, b) => Number(a.seq - b.seq));
    expect(bySeq.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => BigInt(i + 1)));
    for (let i = 1; i < bySeq.length; i++) expect(bySeq[i]!.prevHash).toBe(bySeq[i - 1]!.hash);
    expect(new Set(entries.map((e) => e.requestId)).size).toBe(200);
    expect(await audit.verify(sys)).toEqual({ ok: true, rows: 200, headSeq: 200n });
  });

  it("keeps one chain with several appenders (processes) and appends in callers' transactions at once", async () => {
    const audits = Array.from({ length: 4 }, () => createAudit({ sql: t.db.sql, clock }));
    const grouped = audits.flatMap((audit, a) =>
      Array.from({ length: 40 }, (_, i) =>
        audit.record(staffCtx(a * 40 + i), { action: "bot.order", outcome: i % 5 ? "ok" : "refused" }),
      ),
    );
    const inTx = Array.from({ length: 20 }, (_, i) =>
      t.db.sql.transaction((tx) =>
        audits[i % 4]!.record(staffCtx(1000 + i), { action: "staff.add", outcome: "ok" }, { tx }),
      ),
    );
    const all = await Promise.all([...grouped, ...inTx]);
    expect(new Set(all.map((e) => e.seq)).size).toBe(180);
    expect(await audits[0]!.verify(sys)).toEqual({ ok: true, rows: 180, headSeq: 180n });
  });

  it("fails only the bad entry of a group: the others are written, the chain holds", async () => {
    const audit = createAudit({ sql: t.db.sql, clock });
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        // A staff id that is no UUID cannot be stored (actor_user_id is a uuid column): that row fails.
        audit.record(i === 7 ? staffCtx(i, "not-a-uuid") : staffCtx(i), { action: "bot.help", outcome: "ok" }),
      ),
    );
    expect(results.filter((r) => r.status === "rejected").length).toBe(1);
    expect(results[7]!.status).toBe("rejected");
    expect(await audit.verify(sys)).toEqual({ ok: true, rows: 29, headSeq: 29n });
    const { rows } = await su.query("SELECT request_id FROM audit_log WHERE request_id = 'req-7'");
    expect(rows).toEqual([]);
  });
});
