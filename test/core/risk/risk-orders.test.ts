import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaffConsole } from "../../../app/staff-console.ts";
import { createAudit } from "../../../core/audit/index.ts";
import { createRisk, type Risk } from "../../../core/risk/index.ts";
import { asBuyer, isDomainError, ManualClock, sql, type CoreContext } from "../../../core/shared/index.ts";
import { CLEAN, createShop, ctx, type Shop } from "../../e2e/support/shop.ts";
import { staffContexts } from "../staff/staff-contexts.ts";

/*
 * Risk inline at placement (docs/risk.md): the default rules allow, hold (HELD_FOR_REVIEW) or refuse
 * (order_blocked, kyc_required) at their boundaries; counters are exact under concurrency and count only
 * placed orders; held orders are approved or rejected exactly once; edits propagate and are audited.
 */
describe("risk at placement with the default rules", () => {
  let shop: Shop;
  let staff: Record<string, CoreContext> = {};
  const DAY = 86_400_000;

  beforeAll(async () => {
    // One reviewer releases these held orders (600.00); two people above it: risk-release.test.ts.
    shop = await createShop("riskorders", {
      workers: false,
      env: { RISK_ENABLED: "true", RISK_RELEASE_APPROVAL_OVER: "CNY:1000" },
    });
    staff = await staffContexts(createStaffConsole(shop.c), {
      ada: "admin",
      fang: "finance",
      fei: "finance",
      sam: "support",
    });
  });
  afterAll(() => shop.dispose());

  /** A funded buyer whose account is `ageDays` old (the new-account rule looks at it). */
  async function buyer(ageDays = 2, funds = 1_000_000n) {
    const { userId } = await shop.buyer(funds);
    await shop.c.db.sql.execute(
      sql`UPDATE users SET created_at = now() - ${`${ageDays * DAY} milliseconds`}::interval WHERE id = ${userId}::uuid`,
    );
    return userId;
  }
  let n = 0;
  const place = (
    userId: string,
    productId: string,
    extra: { target?: string; client?: { ip?: string; device?: string }; quantity?: number } = {},
  ) =>
    shop.c.orders.place(asBuyer(ctx, userId), {
      userId,
      productId,
      quantity: extra.quantity ?? 1,
      idempotencyKey: `risk-${++n}`,
      payWith: "wallet",
      ...(extra.target ? { target: extra.target } : {}),
      ...(extra.client ? { client: extra.client } : {}),
    });
  const counts = async () => {
    const [row] = await shop.c.db.sql.query<{ orders: number; postings: number }>(
      sql`SELECT (SELECT count(*)::int FROM orders) AS orders, (SELECT count(*)::int FROM ledger_transactions) AS postings`,
    );
    return row!;
  };

  it("50 parallel orders from one buyer against 'max 5 per 10 min': exactly 5 placed, 45 blocked, 5 charged", async () => {
    const p = await shop.codeProduct({ price: 100n, stock: 60 });
    const userId = await buyer();
    const before = await shop.walletBalance(userId);
    const results = await Promise.all(Array.from({ length: 50 }, () => place(userId, p.id)));
    const placed = results.filter((r) => r.ok);
    const blocked = results.filter((r) => !r.ok && r.code === "order_blocked");
    expect(placed).toHaveLength(5);
    expect(blocked).toHaveLength(45);
    expect(await shop.walletBalance(userId)).toBe(before - 500n);
    // The case of a blocked order names the rule and the count it saw.
    const ref = (blocked[0] as { reference: string }).reference;
    const c = await shop.c.risk.caseByReference(staff.sam!, { reference: ref });
    expect(c).toMatchObject({ outcome: "block", userId, status: "CLOSED" });
    expect(c!.fired.map((f) => f.name)).toEqual(["buyer-velocity"]);
    expect(Number(c!.fired[0]!.seen["count/buyer/10m"])).toBeGreaterThan(5);
    expect(await shop.invariants()).toEqual(CLEAN);
  });

  it("orders refused after the decision (insufficient funds) do not count against the limit", async () => {
    const p = await shop.codeProduct({ price: 100n, stock: 20 });
    const userId = await buyer(2, 0n);
    for (let i = 0; i < 7; i++)
      expect(await place(userId, p.id)).toMatchObject({ ok: false, code: "insufficient_funds" });
    await shop.fund(userId, 10_000n);
    const ok = [];
    for (let i = 0; i < 6; i++) ok.push((await place(userId, p.id)).ok);
    // The boundary: the 5th is allowed, the 6th is not.
    expect(ok).toEqual([true, true, true, true, true, false]);
  });

  it("blocklist hits (user, CIDR) refuse with a reference and charge nothing; removal lets the buyer in again", async () => {
    const p = await shop.codeProduct({ price: 100n, stock: 10 });
    const userId = await buyer();
    const entry = await shop.c.risk.addListEntry(staff.ada!, {
      list: "block",
      kind: "user",
      value: userId,
      reason: "chargeback fraud",
    });
    const before = await counts();
    const r = await place(userId, p.id);
    expect(r).toMatchObject({ ok: false, code: "order_blocked" });
    expect(await counts()).toEqual({ ...before, postings: before.postings });
    expect((await counts()).orders).toBe(before.orders);
    await shop.c.risk.removeListEntry(staff.ada!, { id: entry.id });
    expect((await place(userId, p.id)).ok).toBe(true);

    await shop.c.risk.addListEntry(staff.ada!, {
      list: "block",
      kind: "ip",
      value: "10.0.0.0/8",
      reason: "proxy farm",
    });
    const other = await buyer();
    expect(await place(other, p.id, { client: { ip: "10.20.30.40" } })).toMatchObject({ code: "order_blocked" });
    expect((await place(other, p.id, { client: { ip: "11.0.0.1" } })).ok).toBe(true);
    const trail = await createAudit({ sql: shop.c.db.sql, clock: shop.c.clock }).trail(
      staff.ada!,
      { recent: true },
      { limit: 50 },
    );
    expect(trail.filter((e) => e.action === "risk.list.add").length).toBeGreaterThanOrEqual(2);
    expect(trail.some((e) => e.action === "risk.list.remove")).toBe(true);
  });

  it("unverified buyers: 2,000.00 is allowed, 2,000.01 needs KYC (a refusal with a reference, nothing charged)", async () => {
    const at = await shop.codeProduct({ price: 200_000n, stock: 3 });
    const over = await shop.codeProduct({ price: 200_001n, stock: 3 });
    const userId = await buyer();
    expect((await place(userId, at.id)).ok).toBe(true);
    const before = await shop.walletBalance(userId);
    const r = await place(userId, over.id);
    expect(r).toMatchObject({ ok: false, code: "kyc_required" });
    expect(await shop.walletBalance(userId)).toBe(before);
  });

  it("a new account's first order of 500.00 is held for review; 499.99, or an older account, is not", async () => {
    const big = await shop.codeProduct({ price: 50_000n, stock: 5 });
    const small = await shop.codeProduct({ price: 49_999n, stock: 5 });
    const fresh = await buyer(0);
    expect((await place(fresh, small.id)).ok && "delivered").toBe("delivered");
    const fresh2 = await buyer(0);
    const held = await place(fresh2, big.id);
    if (!held.ok) throw new Error(held.code);
    expect(held.order.status).toBe("HELD_FOR_REVIEW");
    const old = await buyer(2);
    const r = await place(old, big.id);
    expect(r.ok && r.order.status).toBe("DELIVERED");
  });

  it("an order placed to be paid later and held by risk is held when it is paid", async () => {
    const big = await shop.codeProduct({ price: 55_000n, stock: 2 });
    const userId = await buyer(0);
    const r = await shop.c.orders.place(asBuyer(ctx, userId), {
      userId,
      productId: big.id,
      quantity: 1,
      idempotencyKey: "later-held",
      payWith: "later",
    });
    if (!r.ok) throw new Error(r.code);
    expect(r.order.status).toBe("CREATED");
    const paid = await shop.c.orders.payFromWallet(asBuyer(ctx, userId), { orderId: r.order.id });
    expect(paid.ok && paid.order.status).toBe("HELD_FOR_REVIEW");
    const again = await shop.c.orders.payFromWallet(asBuyer(ctx, userId), { orderId: r.order.id });
    expect(again).toMatchObject({ ok: true, replayed: true });
    expect(await shop.c.orders.fulfil(ctx, { orderId: r.order.id })).toMatchObject({ changed: false });
    expect(await shop.invariants()).toEqual(CLEAN);
  });

  async function heldOrder() {
    const p = await shop.codeProduct({ price: 60_000n, stock: 2 });
    const userId = await buyer(0);
    const r = await place(userId, p.id);
    if (!r.ok) throw new Error(r.code);
    expect(r.order.status).toBe("HELD_FOR_REVIEW");
    return { userId, order: r.order, productId: p.id };
  }

  it("the review queue shows the held order with the rules that fired and the values they saw", async () => {
    const { order } = await heldOrder();
    const queue = await shop.c.riskReview.queue(staff.sam!, { limit: 100 });
    const item = queue.find((q) => q.order.id === order.id);
    expect(item?.case).toMatchObject({ outcome: "review", status: "OPEN" });
    expect(item!.case!.fired[0]).toMatchObject({
      name: "new-account-large-first-order",
      seen: { amount: 60_000, "buyer.order_count": 0 },
    });
  });

  it("a held order approved twice at once continues once: PAID, then delivered once", async () => {
    const { order, userId } = await heldOrder();
    const wallet = await shop.walletBalance(userId);
    const results = await Promise.allSettled([
      shop.c.riskReview.approve(staff.fang!, { orderId: order.id, note: "known customer" }),
      shop.c.riskReview.approve(staff.fei!, { orderId: order.id, note: "ok" }),
      shop.c.riskReview.approve(staff.fang!, { orderId: order.id }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(refused.every((r) => isDomainError(r.reason) && r.reason.code === "order_not_held")).toBe(true);
    expect((await shop.order(order.id)).status).toBe("PAID");
    const fulfils = await Promise.all([1, 2].map(() => shop.c.orders.fulfil(ctx, { orderId: order.id })));
    expect(fulfils.filter((f) => f.changed)).toHaveLength(1);
    expect((await shop.order(order.id)).status).toBe("DELIVERED");
    expect(await shop.walletBalance(userId)).toBe(wallet);
    expect(await shop.c.risk.caseFor(staff.sam!, { subjectId: order.id })).toMatchObject({ status: "APPROVED" });
    const trail = await createAudit({ sql: shop.c.db.sql, clock: shop.c.clock }).trail(staff.ada!, {
      targetType: "order",
      targetId: order.id,
    });
    expect(trail.filter((e) => e.action === "risk.approve")).toHaveLength(1);
    expect(await shop.invariants()).toEqual(CLEAN);
  });

  it("a held order rejected twice at once is refunded once from escrow; its codes go back to stock", async () => {
    const { order, userId } = await heldOrder();
    const wallet = await shop.walletBalance(userId);
    const results = await Promise.allSettled([
      shop.c.riskReview.reject(staff.fang!, { orderId: order.id, note: "stolen card" }),
      shop.c.riskReview.reject(staff.fei!, { orderId: order.id, note: "stolen card" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect((await shop.order(order.id)).status).toBe("REFUNDED");
    expect(await shop.walletBalance(userId)).toBe(wallet + order.total);
    const [reserved] = await shop.c.db.sql.query<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM codes WHERE order_id = ${order.id}::uuid`,
    );
    expect(reserved!.n).toBe(0);
    expect(await shop.c.risk.caseFor(staff.sam!, { subjectId: order.id })).toMatchObject({
      status: "REJECTED",
      note: "stolen card",
    });
    expect(await shop.invariants()).toEqual(CLEAN);
  });

  it("support may not decide, a reject needs a reason, and neither changes anything", async () => {
    const { order } = await heldOrder();
    await expect(shop.c.riskReview.approve(staff.sam!, { orderId: order.id })).rejects.toMatchObject({
      type: "forbidden",
    });
    await expect(shop.c.riskReview.reject(staff.fang!, { orderId: order.id, note: "" })).rejects.toMatchObject({
      code: "reason_required",
    });
    expect((await shop.order(order.id)).status).toBe("HELD_FOR_REVIEW");
  });

  it("held orders not decided in time are refunded by the sweep, once", async () => {
    const { order, userId } = await heldOrder();
    const wallet = await shop.walletBalance(userId);
    expect(await shop.c.riskReview.expireOverdue(ctx, { olderThanMs: 60_000 })).toBe(0);
    const swept = await Promise.all([1, 2].map(() => shop.c.riskReview.expireOverdue(ctx, { olderThanMs: 0 })));
    expect(swept.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    expect((await shop.order(order.id)).status).toBe("REFUNDED");
    expect(await shop.walletBalance(userId)).toBe(wallet + order.total);
    expect(await shop.c.risk.caseFor(staff.sam!, { subjectId: order.id })).toMatchObject({ status: "EXPIRED" });
    expect(await shop.invariants()).toEqual(CLEAN);
  });

  it("many buyers on one target: the 4th distinct buyer within the hour is held; target velocity counts too", async () => {
    const { supplier } = await shop.supplier("riskdirect");
    const p = await shop.directProduct([{ supplierId: supplier.id, cost: 900n }], 1000n);
    const target = "13912345678";
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const r = await place(await buyer(), p.id, { target });
      statuses.push(r.ok ? r.order.status : r.code);
    }
    expect(statuses).toEqual(["PAID", "PAID", "PAID", "HELD_FOR_REVIEW", "HELD_FOR_REVIEW"]);
  });

  it("target velocity: the 11th order to one number within 10 minutes is held, the 10th is not", async () => {
    const { supplier } = await shop.supplier("riskvelocity");
    const p = await shop.directProduct([{ supplierId: supplier.id, cost: 900n }], 1000n);
    const target = "13698765432";
    const buyers = [await buyer(), await buyer(), await buyer()];
    const statuses = [];
    for (let i = 0; i < 12; i++) {
      const r = await place(buyers[i % 3]!, p.id, { target });
      statuses.push(r.ok ? r.order.status : r.code);
    }
    expect(statuses.slice(0, 10).every((s) => s === "PAID")).toBe(true);
    expect(statuses.slice(10)).toEqual(["HELD_FOR_REVIEW", "HELD_FOR_REVIEW"]);
  });

  it("a rule edit is audited, versioned and seen by every process within the cache time", async () => {
    const clock = new ManualClock(new Date());
    // A second process's risk engine on the same database, with the documented 2 s cache.
    const other: Risk = createRisk({
      sql: shop.c.db.sql,
      clock,
      counters: new (await import("../../../core/risk/index.ts")).InMemoryRiskCounters(),
      audit: createAudit({ sql: shop.c.db.sql, clock }),
      buyers: async () => null,
      cacheMs: 2_000,
    });
    const subject = (i: number) => ({
      subject: "order" as const,
      eventId: `edit-${i}`,
      userId: "00000000-0000-7000-8000-00000000e417",
      channel: "web",
      amount: 100n,
      currency: "CNY",
    });
    for (let i = 0; i < 3; i++) expect((await other.assess(ctx, subject(i))).outcome).toBe("allow");
    const edited = await shop.c.risk.setThreshold(staff.ada!, { name: "buyer-velocity", value: 2 });
    expect(thresholdOf(edited)).toBe(2);
    clock.advance(1_000);
    expect((await other.assess(ctx, subject(3))).outcome).toBe("allow");
    clock.advance(1_100);
    expect((await other.assess(ctx, subject(4))).outcome).toBe("block");
    const versions = await shop.c.db.sql.query<{ version: number; changedBy: string }>(
      sql`SELECT v.version, v.changed_by AS "changedBy" FROM risk_rule_versions v JOIN risk_rules r ON r.id = v.rule_id
          WHERE r.name = 'buyer-velocity' ORDER BY v.version`,
    );
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[1]!.changedBy).toMatch(/^staff:admin:/);
    const trail = await createAudit({ sql: shop.c.db.sql, clock }).trail(staff.ada!, {
      targetType: "risk_rule",
      targetId: "buyer-velocity",
    });
    expect(trail[0]).toMatchObject({
      action: "risk.rule",
      outcome: "ok",
      details: { threshold: { before: 5, after: 2 } },
    });
    await shop.c.risk.setThreshold(staff.ada!, { name: "buyer-velocity", value: 5 });
  });

  it("top-ups ask risk before the checkout: the 11th in an hour is refused with a reference; over 2,000.00 unverified needs KYC", async () => {
    const userId = await buyer();
    const topUp = (amount: bigint, key: string) =>
      shop.c.payments.startTopUp(asBuyer(ctx, userId), {
        userId,
        amount,
        currency: "CNY",
        provider: "sandbox",
        idempotencyKey: key,
      });
    for (let i = 0; i < 10; i++) await topUp(1_000n, `tu-${i}`);
    // A retry of an allowed top-up is the same event: it does not count again.
    await topUp(1_000n, "tu-0");
    await expect(topUp(1_000n, "tu-10")).rejects.toMatchObject({
      code: "topup_refused",
      details: { outcome: "review" },
    });
    const [payments] = await shop.c.db.sql.query<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM payments WHERE user_id = ${userId}::uuid`,
    );
    expect(payments!.n).toBe(10);
    const other = await buyer();
    await expect(
      shop.c.payments.startTopUp(asBuyer(ctx, other), {
        userId: other,
        amount: 200_001n,
        currency: "CNY",
        provider: "sandbox",
        idempotencyKey: "big",
      }),
    ).rejects.toMatchObject({ code: "topup_kyc_required" });
  });

  it("bad rule and list input is refused with a clear error and changes nothing", async () => {
    const before = await shop.c.risk.rules(staff.ada!);
    const bad: Array<[() => Promise<unknown>, string]> = [
      [
        () => shop.c.risk.putRule(staff.ada!, { name: "evil", action: "block", condition: "process.exit()" }),
        "invalid_condition",
      ],
      [
        () =>
          shop.c.risk.putRule(staff.ada!, {
            name: "evil",
            action: "block",
            condition: { signal: "buyer.password", op: "eq", value: 1 },
          }),
        "invalid_condition",
      ],
      [
        () =>
          shop.c.risk.putRule(staff.ada!, {
            name: "evil",
            action: "delete",
            condition: { not: { listed: "block", kind: "user" } },
          }),
        "invalid_rule_action",
      ],
      [() => shop.c.risk.setThreshold(staff.ada!, { name: "buyer-velocity", value: -1 }), "invalid_threshold"],
      [
        () => shop.c.risk.setThreshold(staff.ada!, { name: "new-account-large-first-order", value: 3 }),
        "threshold_ambiguous",
      ],
      [() => shop.c.risk.setThreshold(staff.ada!, { name: "no-such-rule", value: 3 }), "rule_not_found"],
      [
        () => shop.c.risk.addListEntry(staff.ada!, { list: "block", kind: "ip", value: "999.1.1.1", reason: "x y z" }),
        "invalid_ip",
      ],
      [
        () => shop.c.risk.addListEntry(staff.ada!, { list: "block", kind: "target", value: "139", reason: "" }),
        "reason_required",
      ],
      [() => shop.c.risk.setEnabled(staff.fang!, { name: "buyer-velocity", enabled: false }), "forbidden"],
    ];
    for (const [call, code] of bad) await expect(call()).rejects.toMatchObject({ code });
    expect(await shop.c.risk.rules(staff.ada!)).toEqual(before);
  });
});

function thresholdOf(rule: { condition: unknown }): number {
  return (rule.condition as { value: number }).value;
}
