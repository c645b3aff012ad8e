import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaffConsole, type StaffConsole } from "../../../app/staff-console.ts";
import { systemContext, type CoreContext } from "../../../core/shared/index.ts";
import { createShop, type Shop } from "../../e2e/support/shop.ts";
import { staffContexts } from "../staff/staff-contexts.ts";

describe("a staff refund through approvals (orders.refund as a reviewable action)", () => {
  let shop: Shop;
  let con: StaffConsole;
  let productId: string;
  let members: Record<string, CoreContext> = {};
  const cli = systemContext("cli:test", { channel: "cli" });

  beforeAll(async () => {
    // No workers: a paid top-up stays PAID, as one waiting for its supplier.
    shop = await createShop("staffrefund", { workers: false, env: { STAFF_APPROVAL_REFUND_OVER: "CNY:50" } });
    con = createStaffConsole(shop.c);
    const sup = await shop.supplier("refundsim");
    productId = (await shop.directProduct([{ supplierId: sup.supplier.id, cost: 2500n }], 3000n)).id;
    members = await staffContexts(con, { fang: "finance", fei: "finance", sam: "support" }, "slack");
  });
  afterAll(() => shop.dispose());

  async function paidOrder(quantity: number) {
    const placed = await shop.paidTopUp(productId, quantity);
    expect(placed.order.status).toBe("PAID");
    return placed;
  }

  it("refunds at once at or under the threshold (¥30 ≤ ¥50): the buyer's wallet gets it back", async () => {
    const { userId, order } = await paidOrder(1);
    const before = await shop.walletBalance(userId);
    const r = await con.approvals.submit(members.fang!, {
      action: "orders.refund",
      payload: { orderId: order.id },
      reason: "buyer asked",
    });
    expect(r).toEqual({ status: "executed", result: { orderId: order.id, status: "REFUNDED" } });
    expect(await shop.walletBalance(userId)).toBe(before + 3000n);
  });

  it("over the threshold (¥60) needs a second finance member; 20 racing approvals refund once", async () => {
    const { userId, order } = await paidOrder(2);
    const before = await shop.walletBalance(userId);
    const r = await con.approvals.submit(members.fang!, {
      action: "orders.refund",
      payload: { orderId: order.id },
      reason: "duplicate",
    });
    if (r.status !== "pending") throw new Error(`expected pending, got ${r.status}`);
    expect(r.request.summary).toBe(`refund order ${order.id} (PAID): ¥60.00 to user ${userId}`);
    expect((await shop.order(order.id)).status).toBe("PAID");
    await expect(con.approvals.approve(members.sam!, { requestId: r.request.id })).rejects.toMatchObject({
      type: "forbidden",
    });
    expect(await con.approvals.approve(members.fang!, { requestId: r.request.id })).toMatchObject({
      code: "own_request",
    });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => con.approvals.approve(members.fei!, { requestId: r.request.id })),
    );
    expect(results.filter((x) => x.ok)).toHaveLength(1);
    expect((await shop.order(order.id)).status).toBe("REFUNDED");
    expect(await shop.walletBalance(userId)).toBe(before + 6000n);
    const inv = await shop.invariants();
    expect(inv.ledgerOk && inv.reconcileOk).toBe(true);
    const trail = (await con.audit.trail(cli, { targetType: "order", targetId: order.id }, { limit: 100 }))
      .map((e) => `${e.action} ${e.outcome}`)
      .reverse();
    // The 19 losers' refusals interleave with the winner's execution; the winner's steps keep their order.
    expect(trail.filter((l) => !l.startsWith("approvals."))).toEqual([
      "orders.refund requested",
      "orders.refund approved",
      "orders.refund ok",
    ]);
    expect(trail.filter((l) => l === "approvals.approve refused")).toHaveLength(2 + 19);
    expect(await con.audit.verify(cli)).toMatchObject({ ok: true });
  });

  it("refuses an order that cannot be refunded before anyone is asked, and an unknown order", async () => {
    const { order } = await paidOrder(1);
    await con.approvals.submit(members.fang!, {
      action: "orders.refund",
      payload: { orderId: order.id },
      reason: "first",
    });
    const pendingBefore = (await con.approvals.pending(cli)).length;
    await expect(
      con.approvals.submit(members.fang!, { action: "orders.refund", payload: { orderId: order.id }, reason: "again" }),
    ).rejects.toMatchObject({ code: "order_not_refundable", details: { status: "REFUNDED" } });
    await expect(
      con.approvals.submit(members.fang!, {
        action: "orders.refund",
        payload: { orderId: "0190a0a0-0000-7000-8000-000000000000" },
        reason: "ghost",
      }),
    ).rejects.toMatchObject({ code: "order_not_found" });
    expect((await con.approvals.pending(cli)).length).toBe(pendingBefore);
  });
});
