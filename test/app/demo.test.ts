import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../app/config.ts";
import { demoSimBehaviour, startDemo } from "../../app/demo.ts";
import { DEMO_USER_ID } from "../../app/seed/demo-seed.ts";
import { createShop, ctx, type Shop } from "../e2e/support/shop.ts";

describe("the embedded demo's simulated supplier", () => {
  it("succeeds by default and is switched by SUPPLIER_SIM_FAILURE_RATE and SUPPLIER_SIM_LATENCY_MS", () => {
    expect(demoSimBehaviour(parseConfig({}))).toMatchObject({ failureRate: 0, latencyMs: 300 });
    expect(
      demoSimBehaviour(parseConfig({ SUPPLIER_SIM_FAILURE_RATE: "0.3", SUPPLIER_SIM_LATENCY_MS: "2000" })),
    ).toMatchObject({ failureRate: 0.3, latencyMs: 2000 });
  });

  describe("with SUPPLIER_SIM_FAILURE_RATE=1 on the embedded default", () => {
    let shop: Shop;
    let key: string;
    beforeAll(async () => {
      shop = await createShop("demo-sim", {
        embedded: true,
        workers: true,
        env: { SUPPLIER_SIM_FAILURE_RATE: "1", SUPPLIER_SIM_LATENCY_MS: "0" },
      });
      key = (await startDemo(shop.c)).apiKey!;
    }, 120_000);
    afterAll(() => shop?.dispose());

    it("a demo top-up fails at the supplier and is refunded to the wallet", async () => {
      const before = await shop.walletBalance(DEMO_USER_ID);
      const product = (await shop.c.catalog.getProductBySku(ctx, "MOBILE-ANY-100"))!;
      const res = await shop.request("/v1/orders", {
        key,
        idem: "sim-fails-1",
        body: { product_id: product.id, quantity: 1, target: "13800138000" },
      });
      expect(res.status).toBe(201);
      const { order } = (await res.json()) as { order: { id: string } };
      await shop.waitForStatus([order.id], ["REFUNDED"], 30_000);
      expect(await shop.walletBalance(DEMO_USER_ID)).toBe(before);
    });
  });
});
