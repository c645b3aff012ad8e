import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createShop, ctx, type Shop } from "../../e2e/support/shop.ts";

/** The distributor API asks risk with the caller's IP (docs/risk.md): a blocklisted CIDR is refused 403 with a reference. */
describe("/v1/orders and risk", () => {
  let shop: Shop;
  beforeAll(async () => {
    shop = await createShop("v1risk", { workers: false, env: { RISK_ENABLED: "true", TRUST_PROXY: "true" } });
  });
  afterAll(() => shop.dispose());

  const order = (key: string, idem: string, productId: string, ip: string) =>
    shop.app.request("/v1/orders", {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "idempotency-key": idem,
        "content-type": "application/json",
        "x-forwarded-for": ip,
      },
      body: JSON.stringify({ product_id: productId, quantity: 1 }),
    });

  it("refuses an order from a blocklisted network (order_blocked + reference) and takes one from elsewhere", async () => {
    const p = await shop.codeProduct({ price: 100n, stock: 5 });
    const buyer = await shop.buyer(10_000n);
    await shop.c.risk.addListEntry(ctx, { list: "block", kind: "ip", value: "203.0.113.0/24", reason: "card testing" });
    const refused = await order(buyer.key, "ip-1", p.id, "203.0.113.9");
    expect(refused.status).toBe(403);
    const body = (await refused.json()) as { error: { code: string; details: { reference: string } } };
    expect(body.error.code).toBe("order_blocked");
    expect(body.error.details.reference).toMatch(/^R-[0-9A-F]{10}$/);
    const c = await shop.c.risk.caseByReference(ctx, { reference: body.error.details.reference });
    expect(c?.signals).toMatchObject({ ip: "203.0.113.9" });
    expect((await order(buyer.key, "ip-2", p.id, "198.51.100.7")).status).toBe(201);
  });

  it("answers kyc_required 403 with the reference over 2,000.00", async () => {
    const p = await shop.codeProduct({ price: 250_000n, stock: 2 });
    const buyer = await shop.buyer(1_000_000n);
    const r = await order(buyer.key, "kyc-1", p.id, "198.51.100.8");
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("kyc_required");
  });
});
