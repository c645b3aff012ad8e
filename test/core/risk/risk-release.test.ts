import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaffConsole, type StaffConsole } from "../../../app/staff-console.ts";
import { createAudit } from "../../../core/audit/index.ts";
import { RISK_RELEASE_ACTION } from "../../../core/flows/risk-release.action.ts";
import { asBuyer, sql, type CoreContext } from "../../../core/shared/index.ts";
import { CLEAN, createShop, ctx, type Shop } from "../../e2e/support/shop.ts";
import { staffContexts } from "../staff/staff-contexts.ts";

/*
 * Releasing a held order is a staff action that takes two people above RISK_RELEASE_APPROVAL_OVER
 * (DESIGN.md "Growing the core"; docs/risk.md "Review queue"): it goes through core/approvals as
 * `risk.release`; at or below the threshold one reviewer releases it.
 */
describe("releasing held orders: one reviewer up to the threshold, two above it", () => {
  let shop: Shop;
  let con: StaffConsole;
  let staff: Record<string, CoreContext> = {};
  const release = (who: CoreContext, orderId: string, reason = "known customer") =>
    con.approvals.submit(who, { action: RISK_RELEASE_ACTION, payload: { orderId }, reason });

  beforeAll(async () => {
    shop = await createShop("riskrelease", { env: { RISK_ENABLED: "true", RISK_RELEASE_APPROVAL_OVER: "CNY:600" } });
    con = createStaffConsole(shop.c);
    staff = await staffContexts(con, {
      ada: "admin",
      fang: "finance",
      fei: "finance",
      otto: "operator",
      olga: "operator",
      sam: "support",
    });
  });
  afterAll(() => shop.dispose());

  /** A new account's first large order: held by `new-account-large-first-order`. */
  async function heldOrder(price: bigint) {
    const p = await shop.codeProduct({ price, stock: 2 });
    const { userId } = await shop.buyer(price * 2n);
    const r = await shop.c.orders.place(asBuyer(ctx, userId), {
      userId,
      productId: p.id,
      quantity: 1,
      idempotencyKey: `rel-${p.id}`,
      payWith: "wallet",
    });
    if (!r.ok) throw new Error(r.code);
    expect(r.order.status).toBe("HELD_FOR_REVIEW");
    return { userId, order: r.order };
  }
  const status = async (orderId: string) => (await shop.order(orderId)).status;
  const codesOf = async (orderId: string) =>
    (
      await shop.c.db.sql.query<{ n: number }>(
        sql`SELECT count(*)::int AS n FROM order_codes WHERE order_id = ${orderId}::uuid`,
      )
    )[0]!.n;

  it("at the threshold (600.00) one reviewer releases it at once; it is delivered", async () => {
    const { order } = await heldOrder(60_000n);
    const r = await release(staff.fang!, order.id);
    expect(r).toMatchObject({ status: "executed", result: { orderId: order.id, status: "PAID" } });
    await shop.waitForStatus([order.id], ["DELIVERED"]);
    expect(await shop.c.risk.caseFor(staff.sam!, { subjectId: order.id })).toMatchObject({ status: "APPROVED" });
  });

  it("above it the request waits for a second person; the asker cannot approve it; nor can anyone skip approvals", async () => {
    const { order } = await heldOrder(60_001n);
    const r = await release(staff.fang!, order.id);
    expect(r.status).toBe("pending");
    if (r.status !== "pending") return;
    expect(await status(order.id)).toBe("HELD_FOR_REVIEW");

    const own = await con.approvals.approve(staff.fang!, { requestId: r.request.id });
    expect(own).toMatchObject({ ok: false, code: "own_request" });
    // The core refuses a release above the threshold that did not come through an approved request.
    await expect(shop.c.riskReview.approve(staff.fei!, { orderId: order.id })).rejects.toMatchObject({
      code: "second_approval_required",
    });
    // Support may neither ask nor approve.
    await expect(release(staff.sam!, order.id)).rejects.toMatchObject({ type: "forbidden" });
    await expect(con.approvals.approve(staff.sam!, { requestId: r.request.id })).rejects.toMatchObject({
      type: "forbidden",
    });
    expect(await status(order.id)).toBe("HELD_FOR_REVIEW");
    expect(await shop.c.risk.caseFor(staff.sam!, { subjectId: order.id })).toMatchObject({ status: "OPEN" });

    const ok = await con.approvals.approve(staff.fei!, { requestId: r.request.id, note: "called the buyer" });
    expect(ok).toMatchObject({ ok: true, result: { status: "PAID" } });
    await shop.waitForStatus([order.id], ["DELIVERED"]);
    // The case names the second person, who released it.
    expect(await shop.c.risk.caseFor(staff.sam!, { subjectId: order.id })).toMatchObject({
      status: "APPROVED",
      decidedBy: expect.stringContaining((staff.fei!.actor as { userId: string }).userId),
    });
  });

  it("20 racing approvals of one request (four people) release it once and it is delivered once", async () => {
    const { order, userId } = await heldOrder(80_000n);
    const wallet = await shop.walletBalance(userId);
    const r = await release(staff.ada!, order.id);
    if (r.status !== "pending") throw new Error(`expected a pending request, got ${r.status}`);
    const approvers = [staff.fang!, staff.fei!, staff.otto!, staff.olga!];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => con.approvals.approve(approvers[i % 4]!, { requestId: r.request.id })),
    );
    expect(results.filter((x) => x.ok)).toHaveLength(1);
    expect(results.filter((x) => !x.ok && x.code === "already_decided")).toHaveLength(19);
    await shop.waitForStatus([order.id], ["DELIVERED"]);
    expect(await codesOf(order.id)).toBe(1);
    expect(await shop.walletBalance(userId)).toBe(wallet);
    const trail = await createAudit({ sql: shop.c.db.sql, clock: shop.c.clock }).trail(
      staff.ada!,
      { targetType: "order", targetId: order.id },
      { limit: 100 },
    );
    expect(trail.filter((e) => e.action === "risk.approve")).toHaveLength(1);
    expect(trail.filter((e) => e.action === RISK_RELEASE_ACTION && e.outcome === "requested")).toHaveLength(1);
    expect(trail.filter((e) => e.action === RISK_RELEASE_ACTION && e.outcome === "approved")).toHaveLength(1);
    expect(await shop.invariants()).toEqual(CLEAN);
  });

  it("an order no longer held is refused before anyone is asked; a rejection stays one reviewer's", async () => {
    const { order, userId } = await heldOrder(90_000n);
    const wallet = await shop.walletBalance(userId);
    await shop.c.riskReview.reject(staff.fang!, { orderId: order.id, note: "stolen card" });
    expect(await shop.walletBalance(userId)).toBe(wallet + order.total);
    await expect(release(staff.fei!, order.id)).rejects.toMatchObject({ code: "order_not_held" });
    expect(await con.approvals.pending(staff.fei!)).not.toContainEqual(expect.objectContaining({ targetId: order.id }));
    expect(await status(order.id)).toBe("REFUNDED");
  });
});
