import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_ERRORS } from "../../../channels/api/index.ts";
import { orderNumberCheck } from "../../../core/orders/index.ts";
import { asBuyer, sql } from "../../../core/shared/index.ts";
import { createShop, ctx, type Shop } from "../../e2e/support/shop.ts";

type ErrorBody = {
  error: { code: string; message: string; details?: { issues?: { path: string; message: string }[] } };
};

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
    // One clear message per field, whatever is wrong with it.
    const issues = async (body: unknown) => {
      const res = await post(body);
      expect(res.status).toBe(400);
      return ((await res.json()) as ErrorBody).error.details!.issues!;
    };
    const range = "must be a whole number from 1 to 1000";
    for (const quantity of [0, -1, 1.5, 1e9, 1e20, "1"])
      expect(await issues({ product_id: codeProductId, quantity })).toEqual([{ path: "quantity", message: range }]);
    expect(await issues({ product_id: "not-a-uuid", quantity: 1 })).toEqual([
      { path: "product_id", message: "must be a product UUID" },
    ]);
    expect(await issues({ quantity: 1 })).toEqual([{ path: "product_id", message: "required" }]);
    expect(await issues({ product_id: codeProductId })).toEqual([{ path: "quantity", message: "required" }]);
    // A target for a card code is a mistake to report, not to drop.
    await expectError(await post({ ...good, target: "13800138000" }), 422, "target_not_allowed");
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

  it("GETs carry the order number, and GET /orders/{id} takes the number as buyers type it (own orders only)", async () => {
    const placed = await shop.request("/v1/orders", {
      key: buyer.key,
      idem: "order-number-1",
      body: { product_id: codeProductId, quantity: 1 },
    });
    const { order } = (await placed.json()) as { order: { id: string } };
    const list = (await (await shop.request("/v1/orders", { key: buyer.key })).json()) as {
      orders: Array<{ id: string; number: string }>;
    };
    const number = list.orders.find((o) => o.id === order.id)!.number;
    expect(number).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    for (const ref of [number, number.toLowerCase(), number.replace("-", ""), encodeURIComponent(`#${number}`)]) {
      const res = await shop.request(`/v1/orders/${ref}`, { key: buyer.key });
      expect(res.status, ref).toBe(200);
      const got = (await res.json()) as { order: { id: string; number: string; codes: unknown[] } };
      expect(got.order).toMatchObject({ id: order.id, number });
      expect(got.order.codes).toHaveLength(1);
    }
    expect(
      (
        (await (await shop.request(`/v1/orders/${order.id}`, { key: buyer.key })).json()) as {
          order: { number: string };
        }
      ).order.number,
    ).toBe(number);
    // Another buyer's number and a number nobody has get the same answer: numbers cannot be probed.
    const notMine = (await (await shop.request(`/v1/orders/${number}`, { key: other.key })).json()) as ErrorBody;
    // A well-formed number no order has (one in 3·10^10 per order that it is taken: checked).
    const unused = `ZZZZ-ZZZ${orderNumberCheck("ZZZZZZZ")}`;
    expect(await shop.c.db.sql.query(sql`SELECT 1 FROM orders WHERE number = ${unused}::text`)).toEqual([]);
    const nobodys = (await (await shop.request(`/v1/orders/${unused}`, { key: other.key })).json()) as ErrorBody;
    expect(notMine.error).toMatchObject({ code: "order_not_found" });
    expect({ ...nobodys.error, requestId: null }).toEqual({ ...notMine.error, requestId: null });
    const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    const typo = number.slice(0, -1) + alphabet[(alphabet.indexOf(number.at(-1)!) + 1) % 32];
    const mistyped = await shop.request(`/v1/orders/${typo}`, { key: buyer.key });
    const body = (await mistyped.clone().json()) as ErrorBody;
    await expectError(mistyped, 400, "order_number_mistyped");
    expect(body.error.message).toContain("mistyped");
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
    // Only the shop's currency, unless the caller holds another.
    expect(body.balances).toEqual([{ currency: "CNY", balance: 50_000 - 2000, held: 0, available: 50_000 - 2000 }]);
    await shop.fund(other.userId, 25n, "XTR");
    const withStars = (await (await shop.request("/v1/wallet", { key: other.key })).json()) as typeof body;
    expect(withStars.balances.map((b) => b.currency)).toEqual(["CNY", "XTR"]);
    await expectError(await shop.request("/v1/nothing", { key: other.key }), 404, "route_not_found");
  });

  it("answers a known path with another method 405 and Allow, before asking for a key", async () => {
    for (const [method, path, allow] of [
      ["PUT", "/v1/orders", "GET, POST, HEAD"],
      ["DELETE", "/v1/orders/0190f0f0-0000-7000-8000-000000000000", "GET, HEAD"],
      ["POST", "/v1/products", "GET, HEAD"],
      ["PATCH", "/v1/wallet", "GET, HEAD"],
    ] as const) {
      for (const key of [buyer.key, undefined]) {
        const res = await shop.app.request(path, {
          method,
          headers: key ? { authorization: `Bearer ${key}` } : {},
        });
        expect(res.headers.get("allow"), `${method} ${path}`).toBe(allow);
        await expectError(res, 405, "method_not_allowed");
      }
    }
  });

  it("errors have the one body shape of every HTTP edge", async () => {
    const res = await shop.request("/v1/orders", { key: buyer.key, idem: "shape-1", raw: "{nope" });
    const body = (await res.json()) as Record<string, Record<string, unknown>>;
    expect(Object.keys(body)).toEqual(["error"]);
    // The same keys /web/turn answers with (test/channels/web/web-chat.test.ts), here with a request id.
    expect(Object.keys(body.error!).sort()).toEqual(["code", "message", "requestId"]);
  });

  it("lists categories, reads one product, and pages through orders with a cursor", async () => {
    const cats = (await (await shop.request("/v1/categories", { key: buyer.key })).json()) as {
      categories: Array<{ id: string; name_en: string }>;
    };
    const product = (await shop.c.catalog.getProduct(ctx, codeProductId))!;
    expect(cats.categories.map((x) => x.id)).toContain(product.categoryId);
    const one = await shop.request(`/v1/products/${codeProductId}`, { key: buyer.key });
    expect(one.status).toBe(200);
    expect(((await one.json()) as { product: { id: string; price: number } }).product).toMatchObject({
      id: codeProductId,
      price: 1000,
    });
    await expectError(await shop.request("/v1/products/nope", { key: buyer.key }), 400, "invalid_id");
    await expectError(
      await shop.request("/v1/products/0190f0f0-0000-7000-8000-000000000000", { key: buyer.key }),
      404,
      "product_not_found",
    );

    // 23 orders: pages of 10 list each exactly once, newest first.
    const pager = await shop.buyer(100_000n);
    const cheap = (await shop.codeProduct({ price: 10n, stock: 23 })).id;
    const placed = await Promise.all(
      Array.from({ length: 23 }, (_, i) =>
        shop.c.orders.place(asBuyer(ctx, pager.userId), {
          userId: pager.userId,
          productId: cheap,
          quantity: 1,
          idempotencyKey: `page-${i}`,
          payWith: "wallet",
        }),
      ),
    );
    expect(placed.every((r) => r.ok)).toBe(true);
    // The worst case for a time cursor: every order in the same millisecond.
    await shop.prisma.$executeRaw`UPDATE orders SET created_at = date_trunc('milliseconds', now())
      WHERE user_id = ${pager.userId}::uuid`;
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const res = await shop.request(`/v1/orders?limit=10${cursor ? `&cursor=${cursor}` : ""}`, { key: pager.key });
      expect(res.status).toBe(200);
      const page = (await res.json()) as {
        orders: Array<{ id: string; created_at: string }>;
        next_cursor: string | null;
      };
      seen.push(...page.orders.map((o) => o.id));
      sizes.push(page.orders.length);
      cursor = page.next_cursor;
    } while (cursor);
    expect(sizes).toEqual([10, 10, 3]);
    expect(new Set(seen).size).toBe(23);
    expect(seen.sort()).toEqual(placed.map((r) => (r.ok ? r.order.id : "")).sort());
    await expectError(await shop.request("/v1/orders?cursor=bogus", { key: pager.key }), 400, "invalid_cursor");
    await expectError(await shop.request("/v1/orders?limit=101", { key: pager.key }), 400, "invalid_limit");
    await expectError(await shop.request("/v1/orders?limit=1e1", { key: pager.key }), 400, "invalid_limit");
  });

  it("documents every path, range, header and error code in the OpenAPI document", async () => {
    const text = await (await shop.app.request("/v1/openapi.json")).text();
    const doc = JSON.parse(text) as {
      paths: Record<string, Record<string, { responses: Record<string, { description: string; headers?: object }> }>>;
      components: { schemas: Record<string, { properties: Record<string, { minimum?: number; maximum?: number }> }> };
    };
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        "/categories",
        "/orders",
        "/orders/{id}",
        "/prices",
        "/products",
        "/products/{id}",
        "/wallet",
        "/statement",
        "/webhook",
        "/webhook-deliveries",
        "/webhook-deliveries/{id}/resend",
      ].sort(),
    );
    expect(text).not.toContain("9007199254740991");
    expect(doc.components.schemas.CreateOrder!.properties.quantity).toMatchObject({ minimum: 1, maximum: 1000 });
    expect(doc.components.schemas.Order!.properties.quantity).toEqual({ type: "integer", minimum: 1 });
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p));
    for (const op of ops) {
      expect(op.responses["429"]?.headers).toHaveProperty("Retry-After");
      expect(op.responses["500"]?.description).toContain("internal_error");
    }
    expect(doc.paths["/orders"]!.post!.responses["200"]!.headers).toHaveProperty("Idempotent-Replayed");
    const described = ops.flatMap((op) =>
      Object.entries(op.responses).map(([status, r]) => `${status} ${r.description}`),
    );
    for (const [code, { status }] of Object.entries(API_ERRORS))
      if (code !== "route_not_found")
        expect(
          described.some((d) => d.startsWith(`${status} `) && d.includes(`\`${code}\``)),
          code,
        ).toBe(true);
  });
});
