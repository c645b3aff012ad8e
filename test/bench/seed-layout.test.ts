import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { productId, productIdSql, seedUuid, seedUuidSql, userId, userIdSql } from "../../bench/seed/ids.ts";
import { batchLayout, shapeSizes, slotKind, stockSlot, stockSlotSql } from "../../bench/seed/layout.ts";
import { TEST_PG_ADMIN_URL } from "../support/env.ts";

describe("the seeded shape", () => {
  it("at scale 1: 1,000,000 codes over 200 products, 100,000 users, ~1,000,000 orders", () => {
    const z = shapeSizes(1);
    expect(z).toMatchObject({ codes: 1_000_000, products: 200, users: 100_000, stockOrders: 850_000 });
    expect(z.slots).toBeGreaterThan(999_000);
  });

  for (const scale of [1, 0.05, 0.002]) {
    it(`lays the codes out in import batches, oldest sold, the hot products stocked (scale ${scale})`, () => {
      const z = shapeSizes(scale);
      const end = Date.UTC(2026, 11, 1);
      const batches = batchLayout(z, end);
      expect(batches.reduce((n, b) => n + b.size, 0)).toBe(z.codes);
      expect(batches.reduce((n, b) => n + b.sold, 0)).toBe(z.stockOrders);
      let next = 1;
      let sold = 0;
      const unsold = new Map<number, number>();
      for (const b of batches) {
        expect(b.firstCode).toBe(next);
        expect(b.soldBefore).toBe(sold);
        expect(b.product).toBeGreaterThanOrEqual(1);
        expect(b.product).toBeLessThanOrEqual(z.codeProducts);
        next += b.size;
        sold += b.sold;
        if (b.product <= z.hotProducts && b.unsold === "AVAILABLE")
          unsold.set(b.product, (unsold.get(b.product) ?? 0) + b.size - b.sold);
      }
      for (let p = 1; p <= z.hotProducts; p++) expect(unsold.get(p)).toBeGreaterThanOrEqual(z.hotKeep);
      // Some unsold codes are past their expiry (marked EXPIRED, or not swept yet).
      if (scale >= 0.05) expect(batches.some((b) => b.sold < b.size && b.unsold !== "AVAILABLE")).toBe(true);
      // Sold and available codes of different products interleave in id order.
      const firstUnsold = batches.findIndex((b) => b.sold < b.size);
      expect(batches.slice(firstUnsold).some((b) => b.sold === b.size)).toBe(true);
    });
  }

  it("numbers stock orders into slots: 17 of every 20, two DIRECT, one expired", () => {
    let k = 0;
    for (let j = 1; j <= 400; j++) if (slotKind(j) === "stock") expect(stockSlot(++k)).toBe(j);
    expect(k).toBe(340);
  });
});

describe("ids and slots: the same in TypeScript and in SQL", () => {
  let db: pg.Client;
  beforeAll(async () => {
    db = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
    await db.connect();
  });
  afterAll(() => db?.end());

  it("agree", async () => {
    for (const n of [1, 255, 100_000]) {
      const { rows } = await db.query<Record<string, string>>(
        `SELECT ${userIdSql(String(n))}::text AS u, ${productIdSql(String(n))}::text AS p,
                ${seedUuidSql("order", String(n), "1764547200123")}::text AS o, ${stockSlotSql(String(n))} AS j`,
      );
      expect(rows[0]).toEqual({
        u: userId(n),
        p: productId(n),
        o: seedUuid("order", n, 1764547200123),
        j: stockSlot(n),
      });
    }
    // v7-shaped, as the API's UUID validation wants.
    expect(userId(7)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
