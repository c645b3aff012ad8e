import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAlerts, type Alerts, type AlertSignal } from "../../../core/alerts/index.ts";
import { ManualClock, newId, sql, systemContext, type CoreContext } from "../../../core/shared/index.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";

const sys = systemContext("test-alerts");
const staff: CoreContext = { ...sys, channel: "slack", actor: { kind: "staff", userId: newId(), role: "admin" } };
const lowStock = (productId: string, available: number): AlertSignal => ({
  subject: `low_stock:${productId}`,
  kind: "low_stock",
  severity: available === 0 ? "critical" : "warning",
  details: { productId, sku: "SKU-1", available, daysOfCover: null, floor: 10, minDaysOfCover: 3 },
});

describe("alerts: one open alert per subject, throttled, resolved", () => {
  let t: TestDatabase;
  let alerts: Alerts;
  const clock = new ManualClock(new Date("2027-01-04T08:00:00Z"));
  const events = async () =>
    t.db.sql.query<{ state: string; subject: string; kind: string }>(
      sql`SELECT payload->>'state' AS state, payload->>'subject' AS subject, payload->>'kind' AS kind
          FROM outbox_events WHERE type = 'staff.alert' ORDER BY id`,
    );

  beforeAll(async () => {
    t = await createTestDatabase("alerts");
    alerts = createAlerts({ sql: t.db.sql, clock, renotifyMs: 30 * 60_000 });
  });
  afterAll(async () => t?.drop());
  beforeEach(async () => {
    await t.db.sql.execute(sql`DELETE FROM staff_alerts`);
    await t.db.sql.execute(sql`DELETE FROM outbox_events`);
  });

  it("opens once, stays quiet inside the interval, reminds after it, resolves with a message", async () => {
    const p = newId();
    expect((await alerts.raise(sys, lowStock(p, 4)))?.state).toBe("opened");
    clock.advance(10 * 60_000);
    expect(await alerts.raise(sys, lowStock(p, 3))).toBeNull();
    const [open] = await alerts.open(staff);
    expect(open).toMatchObject({ subject: `low_stock:${p}`, status: "OPEN", notifiedCount: 1 });
    expect(open!.details.available).toBe(3); // the figures follow the latest check
    clock.advance(20 * 60_000);
    expect((await alerts.raise(sys, lowStock(p, 2)))?.state).toBe("reminder");
    expect((await alerts.resolve(sys, `low_stock:${p}`))?.state).toBe("resolved");
    expect(await alerts.resolve(sys, `low_stock:${p}`)).toBeNull();
    expect(await alerts.open(staff)).toEqual([]);
    // Firing again after it resolved is a new alert.
    expect((await alerts.raise(sys, lowStock(p, 0)))?.state).toBe("opened");
    expect((await events()).map((e) => e.state)).toEqual(["opened", "reminder", "resolved", "opened"]);
    const rows = await t.db.sql.query<{ status: string }>(
      sql`SELECT status FROM staff_alerts ORDER BY opened_at, status`,
    );
    expect(rows.map((r) => r.status).sort()).toEqual(["OPEN", "RESOLVED"]);
  });

  it("40 parallel raises of one subject open it once and notify once", async () => {
    const p = newId();
    const results = await Promise.all(Array.from({ length: 40 }, () => alerts.raise(sys, lowStock(p, 1))));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect(await events()).toHaveLength(1);
    clock.advance(31 * 60_000);
    const again = await Promise.all(Array.from({ length: 40 }, () => alerts.raise(sys, lowStock(p, 1))));
    expect(again.filter((r) => r?.state === "reminder")).toHaveLength(1);
    const resolved = await Promise.all(Array.from({ length: 20 }, () => alerts.resolve(sys, `low_stock:${p}`)));
    expect(resolved.filter((r) => r !== null)).toHaveLength(1);
    expect((await events()).map((e) => e.state)).toEqual(["opened", "reminder", "resolved"]);
  });

  it("a sweep raises what fires and resolves the open alerts of its kind that stopped firing, only in its scope", async () => {
    const [a, b, c] = [newId(), newId(), newId()];
    await alerts.sweep(sys, { kind: "low_stock", firing: [lowStock(a, 1), lowStock(b, 2)] });
    await alerts.raise(sys, {
      subject: "failure_rate",
      kind: "failure_rate",
      severity: "warning",
      details: { failed: 3, finished: 10 },
    });
    const notices = await alerts.sweep(sys, { kind: "low_stock", firing: [lowStock(b, 2), lowStock(c, 0)] });
    expect(notices.map((n) => `${n.state}:${n.alert.subject}`).sort()).toEqual(
      [`opened:low_stock:${c}`, `resolved:low_stock:${a}`].sort(),
    );
    // Another kind is not touched by a low-stock sweep; a scoped sweep leaves other scopes alone.
    await alerts.sweep(sys, { kind: "low_stock", firing: [], scope: `low_stock:${b}` });
    const open = (await alerts.open(staff)).map((x) => x.subject).sort();
    expect(open).toEqual(["failure_rate", `low_stock:${c}`].sort());
  });

  it("a one-off notice is written without an open alert", async () => {
    const n = await alerts.notify(sys, {
      subject: "approval:x",
      kind: "approval_expired",
      severity: "warning",
      details: { summary: "refund order …" },
    });
    expect(n).toMatchObject({ state: "notice" });
    expect(await alerts.open(staff)).toEqual([]);
    expect((await events())[0]).toMatchObject({ state: "notice", kind: "approval_expired" });
  });

  it("only the platform raises or clears alerts; reading them needs reports.read", async () => {
    await expect(alerts.raise(staff, lowStock(newId(), 1))).rejects.toMatchObject({ type: "forbidden" });
    await expect(alerts.resolve(staff, "low_stock:x")).rejects.toMatchObject({ type: "forbidden" });
    const support: CoreContext = { ...staff, actor: { kind: "staff", userId: newId(), role: "support" } };
    await expect(alerts.open(support)).rejects.toMatchObject({ type: "forbidden" });
    expect(await events()).toEqual([]);
  });
});
