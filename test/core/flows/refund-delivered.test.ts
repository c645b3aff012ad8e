import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaffConsole, type StaffConsole } from "../../../app/staff-console.ts";
import { systemContext, type CoreContext } from "../../../core/shared/index.ts";
import { createShop, ctx, type Shop } from "../../e2e/support/shop.ts";
import { staffContexts } from "../staff/staff-contexts.ts";

describe("refunding a DELIVERED order (staff only): codes burned, money back once", () => {
  let shop: Shop;
  let con: StaffConsole;
  let staff: Record<string, CoreContext> = {};
  const cli = systemContext("cli:test", { channel: "cli" });

  beforeAll(async () => {
    shop = await createShop("refunddelivered", { workers: false, env: { STAFF_APPROVAL_REFUND_OVER: "CNY:50" } });
    con = createStaffConsole(shop.c);
    staff = await staffContexts(con, { fang: "finance", fei: "finance", sam: "support" });
  });
  afterAll(() => shop.dispose());

  /** A card-code order delivered at once (paid and settled by one posting), from our stock at a cost. */
  async function deliveredCodeOrder(quantity: number, price = 1000n) {
    const p = await shop.codeProduct({ stock: quantity + 2, price, cost: 400n });
    const { userId } = await shop.buyer(100_000n);
    const r = await shop.c.orders.place(
      { ...ctx, actor: { kind: "buyer", userId } },
      { userId, productId: p.id, quantity, idempotencyKey: `rd-${p.id}`, payWith: "wallet" },
    );
    if (!r.ok) throw new Error(`order not placed: ${r.code}`);
    expect(r.order.status).toBe("DELIVERED");
    return { userId, order: r.order, productId: p.id };
  }

  const codeStatuses = async (orderId: string) =>
    (
      await shop.c.db.prisma.$queryRaw<Array<{ status: string }>>`
        SELECT status FROM codes WHERE order_id = ${orderId}::uuid ORDER BY id`
    ).map((r) => r.status);
  const available = async (productId: string) =>
    (await shop.c.inventory.availableCounts(ctx, { productIds: [productId] })).get(productId) ?? 0;

  it("20 parallel staff refunds refund once: wallet +total, codes BURNED (not back in stock), one event", async () => {
    const { userId, order, productId } = await deliveredCodeOrder(2);
    const before = await shop.walletBalance(userId);
    const stockBefore = await available(productId);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        shop.c.orders.refund(staff.fang!, { orderId: order.id, reason: "code did not work" }),
      ),
    );
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    expect(results.every((r) => r.status === "REFUNDED")).toBe(true);
    expect((await shop.order(order.id)).status).toBe("REFUNDED");
    expect(await shop.walletBalance(userId)).toBe(before + 2000n);
    expect(await codeStatuses(order.id)).toEqual(["BURNED", "BURNED"]);
    expect(await available(productId)).toBe(stockBefore);
    const events = await shop.c.orders.events(ctx, { orderId: order.id });
    expect(events.filter((e) => e.toStatus === "REFUNDED")).toMatchObject([
      { fromStatus: "DELIVERED", reason: "code did not work" },
    ]);
    const outbox = await shop.c.db.prisma.$queryRaw<Array<{ payload: { from: string; reason: string } }>>`
      SELECT payload FROM outbox_events WHERE type = 'order.refunded' AND payload->>'orderId' = ${order.id}`;
    expect(outbox.map((o) => [o.payload.from, o.payload.reason])).toEqual([["DELIVERED", "code did not work"]]);
    const reversals = await shop.c.db.prisma.$queryRaw<Array<{ n: bigint }>>`
      SELECT count(*) AS n FROM ledger_transactions WHERE kind = 'reversal' AND idempotency_key LIKE ${`%${order.id}`}`;
    expect(Number(reversals[0]!.n)).toBe(1);
    const inv = await shop.invariants();
    expect(inv).toMatchObject({ ledgerOk: true, reconcileOk: true, soldNotDelivered: 0 });
    // The buyer can no longer have the codes revealed (the order is not delivered any more).
    expect(await shop.c.orders.codesFor({ ...ctx, actor: { kind: "buyer", userId } }, { orderId: order.id })).toEqual(
      [],
    );
  });

  it("a delivered order paid into escrow first reverses the settlement and the payment: the buyer gets it once", async () => {
    const sup = await shop.supplier("rdsim");
    const product = await shop.directProduct([{ supplierId: sup.supplier.id, cost: 2500n }], 3000n);
    const { userId, order } = await shop.paidTopUp(product.id, 1, "rd-direct");
    await shop.c.orders.fulfil(ctx, { orderId: order.id });
    await shop.waitForStatus([order.id], ["DELIVERED"]);
    const before = await shop.walletBalance(userId);
    const r = await shop.c.orders.refund(staff.fei!, { orderId: order.id, reason: "supplier reversed it" });
    expect(r).toMatchObject({ status: "REFUNDED", changed: true });
    expect(await shop.walletBalance(userId)).toBe(before + 3000n);
    const reversals = await shop.c.db.prisma.$queryRaw<Array<{ n: bigint }>>`
      SELECT count(*) AS n FROM ledger_transactions WHERE kind = 'reversal' AND idempotency_key LIKE ${`%${order.id}`}`;
    expect(Number(reversals[0]!.n)).toBe(2);
    const inv = await shop.invariants();
    expect(inv.ledgerOk && inv.reconcileOk).toBe(true);
  });

  it("a buyer can never refund, and the jobs' refund paths leave a delivered order alone", async () => {
    const { userId, order } = await deliveredCodeOrder(1);
    const before = await shop.walletBalance(userId);
    await expect(
      shop.c.orders.refund({ ...ctx, actor: { kind: "buyer", userId } }, { orderId: order.id, reason: "mine" }),
    ).rejects.toMatchObject({ type: "forbidden" });
    await expect(shop.c.orders.refund(staff.sam!, { orderId: order.id, reason: "support" })).rejects.toMatchObject({
      type: "forbidden",
      code: "forbidden",
    });
    expect(await shop.c.orders.refundExhausted(ctx, { orderId: order.id })).toMatchObject({
      status: "DELIVERED",
      changed: false,
    });
    expect((await shop.order(order.id)).status).toBe("DELIVERED");
    expect(await codeStatuses(order.id)).toEqual(["SOLD"]);
    expect(await shop.walletBalance(userId)).toBe(before);
  });

  it("a staff member refunding directly above the threshold is told to request approval; nothing changes", async () => {
    const { userId, order } = await deliveredCodeOrder(1, 6000n);
    const before = await shop.walletBalance(userId);
    await expect(shop.c.orders.refund(staff.fang!, { orderId: order.id, reason: "too much" })).rejects.toMatchObject({
      type: "forbidden",
      code: "approval_required",
      message: expect.stringContaining("request it in the staff console"),
    });
    expect((await shop.order(order.id)).status).toBe("DELIVERED");
    expect(await shop.walletBalance(userId)).toBe(before);
    // The platform (a job, the CLI as the system) is not bound by the staff threshold.
    expect(await shop.c.orders.refund(cli, { orderId: order.id, reason: "system" })).toMatchObject({
      status: "REFUNDED",
      changed: true,
    });
    expect(await shop.walletBalance(userId)).toBe(before + 6000n);
  });

  it("through the console above the threshold: a second finance member approves, the refund runs once", async () => {
    const { userId, order } = await deliveredCodeOrder(1, 6000n);
    const before = await shop.walletBalance(userId);
    const r = await con.approvals.submit(staff.fang!, {
      action: "orders.refund",
      payload: { orderId: order.id },
      reason: "code already used",
    });
    if (r.status !== "pending") throw new Error(`expected pending, got ${r.status}`);
    expect(r.request.summary).toBe(`refund order ${order.id} (DELIVERED): ¥60.00 to user ${userId}`);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => con.approvals.approve(staff.fei!, { requestId: r.request.id })),
    );
    expect(results.filter((x) => x.ok)).toHaveLength(1);
    expect((await shop.order(order.id)).status).toBe("REFUNDED");
    expect(await shop.walletBalance(userId)).toBe(before + 6000n);
    expect(await codeStatuses(order.id)).toEqual(["BURNED"]);
  });
});
