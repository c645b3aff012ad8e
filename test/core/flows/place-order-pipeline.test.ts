import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OrderDecider, PricedOrder } from "../../../core/flows/index.ts";
import { pricingOf, retailPricing, type Order } from "../../../core/orders/index.ts";
import { asBuyer, isDomainError, sql } from "../../../core/shared/index.ts";
import { ctx } from "../../e2e/support/shop.ts";
import { createBotHarness, plainOf, type BotHarness } from "../../bots/support/bot-harness.ts";

/*
 * The placement pipeline (docs/order-pipeline.md): resolve → price → decide → commit. The breakdown is
 * stored on the order and settlement posts from it; a decider's `block` refuses the order with a
 * reference, writing nothing, and every edge (core, API, bot in zh and en) answers it.
 */
describe("order pipeline: price breakdown and deciders", () => {
  let h: BotHarness;
  /** Users the test decider blocks, and what the deciders were asked. */
  const blocked = new Set<string>();
  const asked: Array<{ decider: string; order: PricedOrder }> = [];
  const deciders: OrderDecider[] = [
    {
      name: "test-block-list",
      decide(_ctx, order) {
        asked.push({ decider: "test-block-list", order });
        return blocked.has(order.buyer.userId)
          ? { kind: "block", reference: `RISK-${order.buyer.userId.slice(0, 8)}` }
          : { kind: "allow" };
      },
    },
    {
      name: "test-second",
      decide(_ctx, order) {
        asked.push({ decider: "test-second", order });
        return { kind: "allow" };
      },
    },
  ];

  beforeAll(async () => {
    h = await createBotHarness("pipeline", { workers: false, container: { orderDeciders: deciders } });
  });
  afterAll(() => h.dispose());

  const counts = async () => {
    const [row] = await h.c.db.sql.query<{
      orders: bigint;
      events: bigint;
      outbox: bigint;
      ledger: bigint;
      sold: bigint;
    }>(
      sql`SELECT (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM order_events) AS events,
        (SELECT count(*) FROM outbox_events) AS outbox, (SELECT count(*) FROM ledger_transactions) AS ledger,
        (SELECT count(*) FROM codes WHERE status <> 'AVAILABLE') AS sold`,
    );
    return row;
  };

  it("stores the price breakdown on the order and asks every decider with the priced order", async () => {
    const product = await h.shop.codeProduct({ price: 1250n, stock: 3 });
    const userId = await h.shop.user();
    await h.fund(userId, 10_000n);
    asked.length = 0;
    const r = await h.c.orders.place(asBuyer(ctx, userId), {
      userId,
      productId: product.id,
      quantity: 2,
      idempotencyKey: "priced",
      payWith: "wallet",
    });
    if (!r.ok) throw new Error(r.code);
    expect(r.order.status).toBe("DELIVERED");
    const stored = await h.c.orders.get(ctx, { orderId: r.order.id });
    expect(stored.pricing).toEqual({
      v: 1,
      currency: "CNY",
      quantity: 2,
      unitPrice: "1250",
      total: "2500",
      lines: [{ source: "retail", unitAmount: "1250", amount: "2500" }],
    });
    expect(asked.map((a) => a.decider)).toEqual(["test-block-list", "test-second"]);
    expect(asked[0]!.order.pricing.total).toBe(2500n);
    expect(asked[0]!.order.product.id).toBe(product.id);
  });

  it("a block refuses the order with its reference and writes nothing; the deciders after it are not asked", async () => {
    const product = await h.shop.codeProduct({ price: 1000n, stock: 2 });
    const userId = await h.shop.user();
    await h.fund(userId, 10_000n);
    blocked.add(userId);
    asked.length = 0;
    const before = await counts();
    const r = await h.c.orders.place(asBuyer(ctx, userId), {
      userId,
      productId: product.id,
      quantity: 1,
      idempotencyKey: "blocked",
      payWith: "wallet",
    });
    expect(r).toEqual({ ok: false, code: "order_blocked", reference: `RISK-${userId.slice(0, 8)}` });
    expect(asked.map((a) => a.decider)).toEqual(["test-block-list"]);
    expect(await counts()).toEqual(before);
    expect(await h.balance(userId)).toBe(10_000n);
  });

  it("an order already placed under the key is replayed, not refused by a later block", async () => {
    const product = await h.shop.codeProduct({ price: 1000n, stock: 2 });
    const userId = await h.shop.user();
    await h.fund(userId, 10_000n);
    const input = {
      userId,
      productId: product.id,
      quantity: 1,
      idempotencyKey: "then-blocked",
      payWith: "wallet" as const,
    };
    const first = await h.c.orders.place(asBuyer(ctx, userId), input);
    if (!first.ok) throw new Error(first.code);
    blocked.add(userId);
    const again = await h.c.orders.place(asBuyer(ctx, userId), input);
    expect(again).toMatchObject({ ok: true, replayed: true, order: { id: first.order.id } });
  });

  it("the API answers a blocked order 403 order_blocked with the reference; nothing is written", async () => {
    const product = await h.shop.codeProduct({ price: 1000n, stock: 2 });
    const buyer = await h.shop.buyer(10_000n);
    blocked.add(buyer.userId);
    const before = await counts();
    const res = await h.shop.request("/v1/orders", {
      key: buyer.key,
      idem: "api-blocked",
      body: { product_id: product.id, quantity: 1 },
    });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: { code: string; details?: { reference?: string } } };
    expect(body.error.code).toBe("order_blocked");
    expect(body.error.details?.reference).toBe(`RISK-${buyer.userId.slice(0, 8)}`);
    expect(await counts()).toEqual(before);
  });

  it.each([
    ["en", /This order cannot be placed.*reference RISK-/s, /Shop/, /Pay ¥10.00 from wallet/],
    ["zh-CN", /此订单无法下单.*参考号 RISK-/s, /商城/, /用钱包支付/],
  ] as const)("the shop bot tells a blocked buyer (%s) with the reference", async (lang, message, shopButton, pay) => {
    const product = await h.shop.codeProduct({ price: 1000n, stock: 2 });
    const cat = (await h.c.catalog.listCategories(ctx)).find((c) => c.id === product.categoryId)!;
    const chat = h.client({ channel: "telegram", externalId: `pipeline-${lang}`, lang });
    await chat.send("/start");
    const userId = await h.userIdOf("telegram", chat.opts.externalId);
    await h.fund(userId, 5_000n);
    blocked.add(userId);
    await chat.press(shopButton);
    await chat.press(lang === "en" ? cat.nameEn : cat.nameZh);
    await chat.press(lang === "en" ? /Test card/ : /测试卡/);
    await chat.press("1");
    const replies = await chat.press(pay);
    expect(plainOf(replies)).toMatch(message);
    expect(plainOf(replies)).toContain(`RISK-${userId.slice(0, 8)}`);
    expect(await h.orderCount(userId)).toBe(0);
    expect(await h.balance(userId)).toBe(5_000n);
  });

  it("settlement posts from the stored breakdown: one that disagrees with the order settles nothing", async () => {
    const product = await h.shop.codeProduct({ price: 800n, stock: 2 });
    const userId = await h.shop.user();
    await h.fund(userId, 10_000n);
    const placed = await h.c.orders.place(asBuyer(ctx, userId), {
      userId,
      productId: product.id,
      quantity: 1,
      idempotencyKey: "later",
      payWith: "later",
    });
    if (!placed.ok) throw new Error(placed.code);
    const paid = await h.c.orders.payFromWallet(asBuyer(ctx, userId), { orderId: placed.order.id });
    expect(paid).toMatchObject({ ok: true, order: { status: "PAID" } });
    // Tampered with: the breakdown no longer adds up to what the buyer paid.
    await h.c.db.sql.execute(
      sql`UPDATE orders SET pricing = jsonb_set(pricing, '{total}', '"1"') WHERE id = ${placed.order.id}::uuid`,
    );
    const err = await h.c.orders.fulfil(ctx, { orderId: placed.order.id }).catch((e: unknown) => e);
    expect(isDomainError(err) && err.code).toBe("pricing_mismatch");
    expect((await h.c.orders.get(ctx, { orderId: placed.order.id })).status).toBe("PAID");
    // Restored: it settles the breakdown's total, once.
    await h.c.db.sql.execute(
      sql`UPDATE orders SET pricing = jsonb_set(pricing, '{total}', '"800"') WHERE id = ${placed.order.id}::uuid`,
    );
    expect(await h.c.orders.fulfil(ctx, { orderId: placed.order.id })).toMatchObject({ status: "DELIVERED" });
    const [settled] = await h.c.db.sql.query<{ n: bigint }>(
      sql`SELECT count(*) AS n FROM ledger_transactions WHERE kind = 'order_settlement'
        AND metadata->>'orderId' = ${placed.order.id}::text`,
    );
    expect(settled!.n).toBe(1n);
  });
});

describe("pricingOf", () => {
  const base = { currency: "CNY", quantity: 2, unitPrice: 500n, total: 1000n };
  it("reads an order without a stored breakdown (placed before breakdowns) as its retail price", () => {
    expect(pricingOf({ ...base, pricing: null })).toEqual(retailPricing(base));
  });
  it("refuses a stored breakdown that does not match the order's amounts", () => {
    const pricing: Order["pricing"] = {
      v: 1,
      currency: "CNY",
      quantity: 2,
      unitPrice: "500",
      total: "999",
      lines: [{ source: "retail", unitAmount: "500", amount: "999" }],
    };
    expect(() => pricingOf({ ...base, pricing })).toThrow(/does not match/);
  });
});
