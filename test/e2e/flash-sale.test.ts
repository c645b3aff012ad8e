import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { walletCode } from "../../core/ledger/index.ts";
import { CLEAN, createShop, ctx, type Shop } from "./support/shop.ts";

const BUYERS = 1000;
const CODES = 50;
const PRICE = 990n;
const FUNDS = 5_000n;

describe("flash sale: 1,000 concurrent buyers over the HTTP API for the last 50 codes", () => {
  let shop: Shop;
  beforeAll(async () => {
    shop = await createShop("flashsale", { redis: true });
  }, 120_000);
  afterAll(() => shop?.dispose());

  it("delivers exactly 50, answers 950 clean out_of_stock, sells no code twice, and the money adds up", async () => {
    const product = await shop.codeProduct({ price: PRICE, stock: CODES, cost: 800n });
    const buyers: Array<{ userId: string; key: string }> = [];
    for (let i = 0; i < BUYERS; i += 100)
      buyers.push(...(await Promise.all(Array.from({ length: Math.min(100, BUYERS - i) }, () => shop.buyer(FUNDS)))));

    const started = performance.now();
    const responses = await Promise.all(
      buyers.map(async (b, i) => {
        const res = await shop.request("/v1/orders", {
          key: b.key,
          idem: `flash-${i}`,
          body: { product_id: product.id, quantity: 1 },
        });
        return {
          status: res.status,
          body: (await res.json()) as { order?: { id: string }; error?: { code: string } },
          buyer: b,
        };
      }),
    );
    const elapsed = performance.now() - started;

    const won = responses.filter((r) => r.status === 201);
    const lost = responses.filter((r) => r.status === 409);
    expect(won).toHaveLength(CODES);
    expect(lost).toHaveLength(BUYERS - CODES);
    expect(new Set(lost.map((r) => r.body.error?.code))).toEqual(new Set(["out_of_stock"]));

    const orderIds = won.map((r) => r.body.order!.id);
    await shop.waitForStatus(orderIds, ["DELIVERED"], 60_000);

    // Each winner sees exactly one code, all different; nobody else sees them.
    const seen = new Set<string>();
    for (const w of won) {
      const res = await shop.request(`/v1/orders/${w.body.order!.id}`, { key: w.buyer.key });
      const body = (await res.json()) as { order: { status: string; codes: Array<{ code: string }> } };
      expect(body.order.status).toBe("DELIVERED");
      expect(body.order.codes).toHaveLength(1);
      seen.add(body.order.codes[0]!.code);
    }
    expect(seen.size).toBe(CODES);
    const other = lost[0]!.buyer;
    expect((await shop.request(`/v1/orders/${orderIds[0]}`, { key: other.key })).status).toBe(404);

    expect(await shop.prisma.order.count()).toBe(CODES);
    expect(await shop.prisma.code.count({ where: { status: "SOLD" } })).toBe(CODES);
    expect(await shop.prisma.code.count({ where: { status: "AVAILABLE" } })).toBe(0);
    expect(await shop.invariants()).toEqual(CLEAN);

    // Wallet totals reconcile: every loser kept everything, every winner paid once.
    const wallets = await shop.prisma.ledgerAccount.findMany({ where: { kind: "WALLET" } });
    const total = wallets.reduce((s, w) => s + w.balance, 0n);
    expect(total).toBe(BigInt(BUYERS) * FUNDS - BigInt(CODES) * PRICE);
    const winners = new Set(won.map((w) => walletCode(w.buyer.userId, "CNY")));
    for (const w of wallets) expect(w.balance).toBe(winners.has(w.code) ? FUNDS - PRICE : FUNDS);
    const rec = await shop.c.ledger.reconcile(ctx, "CNY");
    expect(rec.ok).toBe(true);
    console.log(`flash sale: ${BUYERS} requests in ${Math.round(elapsed)} ms`);
  }, 180_000);
});
