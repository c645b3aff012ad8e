import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createShop, type Shop } from "../../e2e/support/shop.ts";

type ErrorBody = { error: { code: string; message: string } };

describe("/v1 distributor API: auth, validation, idempotency, ownership", () => {
  let shop: Shop;
  let buyer: { userId: string; key: string };
  let other: { userId: string; key: string };
  let poor: { userId: string; key: string };
  let codeProductId: string;
  let directProductId: string;

  beforeAll(async () => {
    shop = await createShop("apiv1", { workers: true });
    buyer = await shop.buyer(50_000n);
    other = await shop.buyer(50_000n);
    poor = await shop.buyer(100n);
    codeProductId = (await shop.codeProduct({ price: 1000n, stock: 10 })).id;
    const { supplier } = await shop.supplier("api-sim");
    directProductId = (await shop.directProduct([{ supplierId: supplier.id, cost: 2500n }])).id;
  });
  afterAll(() => shop.dispose());

  const state = async () => ({
    orders: await shop.prisma.order.count(),
    ledgerTx: await shop.prisma.ledgerTransaction.count(),
    notAvailable: await shop.prisma.code.count({ where: { status: { not: "AVAILABLE" } } }),
    outbox: await shop.prisma.outboxEvent.count(),
    wallet: await shop.walletBalance(buyer.userId),
  });
  const expectError = async (res: Response, status: number, code: string) => {
    const body = (await res.json()) as ErrorBody;
    expect({ status: res.status, code: body.error?.code }).toEqual({ status, code });
    expect(typeof body.error.message).toBe("string");
  };

  it("refuses missing, malformed, unknown and revoked keys with 401 and a stable code", async () => {
    await expectError(await shop.request("/v1/products"), 401, "api_key_required");
    await expectError(await shop.request("/v1/products", { key: "nope" }), 401, "api_key_invalid");
    await expectError(
      await shop.request("/v1/products", { key: "kmg_live_" + "A".repeat(32) }),
      401,
      "api_key_invalid",
    );
    const res = await shop.app.request("/v1/wallet", { headers: { authorization: `Basic ${buyer.key}` } });
    await expectError(res, 401, "api_key_invalid");
    const victim = await shop.buyer(0n);
    expect((await shop.request("/v1/wallet", { key: victim.key })).status).toBe(200);
    const created = await shop.c.apiKeys.list({ userId: victim.userId });
    await shop.c.apiKeys.revoke({ idOrPrefix: created[0]!.id });
    await expectError(await shop.request("/v1/wallet", { key: victim.key }), 401, "api_key_invalid");
  });

  it("lists products with the caller's price and stock; serves the OpenAPI document", async () => {
    const res = await shop.request("/v1/products", { key: buyer.key });
    expect(res.status).toBe(200);
    const { products } = (await res.json()) as { products: Array<{ id: string; price: number; stock: number | null }> };
    expect(products.find((p) => p.id === codeProductId)).toMatchObject({ price: 1000, stock: 10 });
    expect(products.find((p) => p.id === directProductId)).toMatchObject({ stock: null });
    await expectError(await shop.request("/v1/products?category_id=xyz", { key: buyer.key }), 400, "invalid_id");
    const doc = (await (await shop.app.request("/v1/openapi.json")).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/products", "/orders", "/orders/{id}", "/wallet"]));
    expect(Object.keys(doc.components.schemas.CreateOrder!.properties!)).toEqual(["product_id", "quantity", "target"]);
  });

  it("rejects bad order requests with a specific error and changes nothing", async () => {
    const before = await state();
    const post = (body: unknown, idem: string | null = "bad-1", key = buyer.key) =>
      shop.request("/v1/orders", {
        key,
        ...(idem === null ? {} : { idem }),
        ...(typeof body === "string" ? { raw: body } : { body }),
      });
    const good = { product_id: codeProductId, quantity: 1 };
    await expectError(await post(good, null), 400, "idempotency_key_required");
    await expectError(await post(good, "has space"), 400, "idempotency_key_invalid");
    await expectError(await post(good, "x".repeat(129)), 400, "idempotency_key_invalid");
    await expectError(await post("{not json"), 400, "malformed_json");
    await expectError(await post(""), 400, "malformed_json");
    await expectError(await post("[]"), 400, "invalid_data");
    await expectError(await post({ product_id: codeProductId, quantity: "1" }), 400, "invalid_data");
    await expectError(await post({ product_id: codeProductId, quantity: 1.5 }), 400, "invalid_data");
    for (const quantity of [0, -1, 1e9])
      await expectError(await post({ product_id: codeProductId, quantity }), 400, "invalid_data");
    await expectError(await post({ product_id: "not-a-uuid", quantity: 1 }), 400, "invalid_data");
    await expectError(await post({ product_id: codeProductId }), 400, "invalid_data");
    await expectError(await post({ ...good, price: 1 }), 400, "invalid_data");
    await expectError(
      await post({ product_id: "0190f0f0-0000-7000-8000-000000000000", quantity: 1 }),
      404,
      "product_unavailable",
    );
    await expectError(await post({ product_id: codeProductId, quantity: 11 }), 422, "quantity_out_of_range");
    await expectError(
      await post({ product_id: codeProductId, quantity: 1 }, "poor-1", poor.key),
      402,
      "insufficient_funds",
    );
    await expectError(await post({ product_id: directProductId, quantity: 1 }), 422, "target_required");
    await expectError(await post({ product_id: directProductId, quantity: 1, target: "12345" }), 422, "invalid_mobile");
    await expectError(
      await post({ product_id: directProductId, quantity: 1, target: 13800138000 }),
      400,
      "invalid_data",
    );
    const huge = { product_id: codeProductId, quantity: 1, target: "x".repeat(2 * 1024 * 1024) };
    await expectError(await post(huge), 413, "payload_too_large");
    expect(await state()).toEqual(before);
    expect(await shop.walletBalance(poor.userId)).toBe(100n);
  });

  it("places an order once per Idempotency-Key; another body under the same key is a conflict", async () => {
    const body = { product_id: codeProductId, quantity: 2 };
    const first = await shop.request("/v1/orders", { key: buyer.key, idem: "order-A", body });
    expect(first.status).toBe(201);
    const { order } = (await first.json()) as {
      order: { id: string; status: string; total: number; codes: Array<{ code: string }> };
    };
    // From stock: delivered while placed, the codes in the answer.
    expect(order).toMatchObject({ status: "DELIVERED", total: 2000 });
    expect(order.codes).toHaveLength(2);
    const replay = await shop.request("/v1/orders", { key: buyer.key, idem: "order-A", body });
    expect(replay.status).toBe(200);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(((await replay.json()) as { order: { id: string } }).order.id).toBe(order.id);
    await shop.waitForStatus([order.id], ["DELIVERED"]);
    const before = await state();
    await expectError(
      await shop.request("/v1/orders", { key: buyer.key, idem: "order-A", body: { ...body, quantity: 1 } }),
      409,
      "idempotency_conflict",
    );
    expect(await state()).toEqual(before);
    // The same key from another caller is that caller's own key.
    expect((await shop.request("/v1/orders", { key: other.key, idem: "order-A", body })).status).toBe(201);

    await shop.waitForStatus([order.id], ["DELIVERED"]);
    const mine = await shop.request(`/v1/orders/${order.id}`, { key: buyer.key });
    const got = (await mine.json()) as { order: { status: string; codes: Array<{ code: string }> } };
    expect(got.order.status).toBe("DELIVERED");
    expect(got.order.codes).toHaveLength(2);
    await expectError(await shop.request(`/v1/orders/${order.id}`, { key: other.key }), 404, "order_not_found");
    await expectError(
      await shop.request(`/v1/orders/0190f0f0-0000-7000-8000-000000000000`, { key: buyer.key }),
      404,
      "order_not_found",
    );
    await expectError(await shop.request(`/v1/orders/12345`, { key: buyer.key }), 400, "invalid_id");
    const list = (await (await shop.request("/v1/orders", { key: buyer.key })).json()) as {
      orders: Array<{ id: string; codes?: unknown }>;
    };
    expect(list.orders.map((o) => o.id)).toContain(order.id);
    expect(list.orders.every((o) => o.codes === undefined)).toBe(true);
    await expectError(await shop.request("/v1/orders?limit=0", { key: buyer.key }), 400, "invalid_limit");
  });

  it("a DIRECT top-up over the API is delivered through the supplier", async () => {
    const res = await shop.request("/v1/orders", {
      key: buyer.key,
      idem: "topup-1",
      body: { product_id: directProductId, quantity: 1, target: "138 0013 8000" },
    });
    expect(res.status).toBe(201);
    const { order } = (await res.json()) as { order: { id: string; target: string } };
    expect(order.target).toBe("13800138000");
    await shop.waitForStatus([order.id], ["DELIVERED"]);
  });

  it("reports the wallet; unknown routes are 404 with a code", async () => {
    const res = await shop.request("/v1/wallet", { key: other.key });
    const body = (await res.json()) as { balances: Array<{ currency: string; balance: number }> };
    expect(body.balances.find((b) => b.currency === "CNY")!.balance).toBe(50_000 - 2000);
    await expectError(await shop.request("/v1/nothing", { key: other.key }), 404, "route_not_found");
  });
});
