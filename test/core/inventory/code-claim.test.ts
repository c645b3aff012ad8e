import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalog, type Catalog } from "../../../core/catalog/index.ts";
import { createInventory, type ClaimResult, type Inventory } from "../../../core/inventory/index.ts";
import { ManualClock, newId, systemContext, type Db } from "../../../core/shared/index.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";
import { createProduct, testSecrets } from "./fixtures.ts";

const ctx = systemContext("test-claim");
const codesText = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}-${i},pw-${i}`).join("\n");

describe("claim, release, sell, reveal", () => {
  let t: TestDatabase;
  let db: Db;
  let inventory: Inventory;
  let catalog: Catalog;
  const clock = new ManualClock(new Date("2026-01-01T00:00:00Z"));

  const claimInTx = (productId: string, orderId: string, quantity: number) =>
    t.db.sql.transaction((tx) => inventory.claim(ctx, { productId, orderId, quantity }, { tx }));

  beforeAll(async () => {
    t = await createTestDatabase("claim", { poolSize: 32 });
    db = t.db.prisma;
    catalog = createCatalog({ prisma: db, sql: t.db.sql, clock });
    inventory = createInventory({ prisma: db, sql: t.db.sql, clock, secrets: testSecrets(), catalog });
  });
  afterAll(() => t.drop());

  it("lets exactly 50 of 200 concurrent single claims succeed, never sharing a code", async () => {
    const productId = await createProduct(db);
    await inventory.importCodes(ctx, { productId, source: "t", content: codesText("RACE", 50) });
    const orders = Array.from({ length: 200 }, () => newId());
    const results = await Promise.all(orders.map((o) => claimInTx(productId, o, 1)));
    const won = results.filter((r): r is Extract<ClaimResult, { ok: true }> => r.ok);
    expect(won).toHaveLength(50);
    expect(results.filter((r) => !r.ok && r.code === "out_of_stock")).toHaveLength(150);
    expect(new Set(won.map((r) => r.codeIds[0])).size).toBe(50);

    const links = await db.orderCode.findMany({ where: { orderId: { in: orders } } });
    expect(links).toHaveLength(50);
    expect(new Set(links.map((l) => l.codeId)).size).toBe(50);
    const reserved = await db.code.findMany({ where: { productId, status: "RESERVED" } });
    expect(new Set(reserved.map((c) => c.orderId)).size).toBe(50);
    expect((await inventory.stock(ctx, { productId })).products).toEqual([
      { productId, available: 0, reserved: 50, sold: 0, expired: 0, voided: 0 },
    ]);
  });

  it("returns out_of_stock for 3 of 2 and reserves nothing", async () => {
    const productId = await createProduct(db);
    await inventory.importCodes(ctx, { productId, source: "t", content: codesText("TWO", 2) });
    const orderId = newId();
    expect(await claimInTx(productId, orderId, 3)).toEqual({ ok: false, code: "out_of_stock", available: 2 });
    expect(await db.code.count({ where: { productId, status: "AVAILABLE", orderId: null } })).toBe(2);
    expect(await db.orderCode.count({ where: { orderId } })).toBe(0);
    expect(await claimInTx(productId, orderId, 2)).toMatchObject({ ok: true });
    // A retried claim for the same order returns what it holds.
    expect(await claimInTx(productId, orderId, 2)).toMatchObject({ ok: true, replayed: true });
  });

  it("skips expired codes", async () => {
    const productId = await createProduct(db);
    await inventory.importCodes(ctx, {
      productId,
      source: "t",
      content: "SOON-1,pw,2026-01-10\nLATER-1,pw,2026-03-01\nSOON-2,pw,2026-01-10",
    });
    clock.set(new Date("2026-02-01T00:00:00Z"));
    try {
      expect(await claimInTx(productId, newId(), 2)).toEqual({ ok: false, code: "out_of_stock", available: 1 });
      const one = await claimInTx(productId, newId(), 1);
      expect(one.ok).toBe(true);
      expect((await inventory.stock(ctx, { productId })).products[0]).toMatchObject({
        available: 0,
        reserved: 1,
        expired: 2,
      });
      expect(await inventory.expireCodes(ctx)).toEqual({ expired: 2 });
    } finally {
      clock.set(new Date("2026-01-01T00:00:00Z"));
    }
  });

  it("sells the code that expires soonest first, then the oldest", async () => {
    const productId = await createProduct(db);
    await inventory.importCodes(ctx, {
      productId,
      source: "t",
      content: "F-NEVER-1\nF-LATE-1,pw,2026-06-01\nF-SOON-1,pw,2026-02-01\nF-NEVER-2",
    });
    const order = async () => {
      const r = await t.db.sql.transaction((tx) =>
        inventory.claim(ctx, { productId, orderId: newId(), quantity: 1 }, { tx, sell: true }),
      );
      return r.ok ? r.codes?.[0]?.code : r.code;
    };
    expect([await order(), await order(), await order(), await order(), await order()]).toEqual([
      "F-SOON-1",
      "F-LATE-1",
      "F-NEVER-1",
      "F-NEVER-2",
      "out_of_stock",
    ]);
  });

  it("releases stock back, sells, and reveals only the order's SOLD codes in order", async () => {
    const productId = await createProduct(db);
    await inventory.importCodes(ctx, { productId, source: "t", content: "R-A,pa\nR-B\nR-C,pc" });
    const cancelled = newId();
    expect(await claimInTx(productId, cancelled, 2)).toMatchObject({ ok: true });
    expect(await inventory.release(ctx, { orderId: cancelled })).toEqual({ released: 2 });
    expect(await db.orderCode.count({ where: { orderId: cancelled } })).toBe(0);
    expect((await inventory.stock(ctx, { productId })).products[0]).toMatchObject({ available: 3, reserved: 0 });

    const orderId = newId();
    expect(await claimInTx(productId, orderId, 2)).toMatchObject({ ok: true });
    expect(await inventory.reveal(ctx, { orderId })).toEqual([]); // reserved, not sold yet
    expect(await inventory.markSold(ctx, { orderId })).toEqual({ sold: 2 });
    expect(await inventory.markSold(ctx, { orderId })).toEqual({ sold: 0 });
    expect(await inventory.reveal(ctx, { orderId })).toEqual([{ code: "R-A", password: "pa" }, { code: "R-B" }]);
    expect(await inventory.reveal(ctx, { orderId: cancelled })).toEqual([]);
    expect(await inventory.release(ctx, { orderId })).toEqual({ released: 0 });

    const stock = await inventory.stock(ctx, { productId });
    expect(stock.products[0]).toMatchObject({ available: 1, reserved: 0, sold: 2 });
    expect(stock.batches).toMatchObject([{ productId, imported: 3, available: 1, sold: 2 }]);
    // The products to watch come from the catalog: inventory does not read its tables.
    const products = (await catalog.listProducts(ctx))
      .filter((p) => p.deliveryKind === "CODE")
      .map((p) => ({ productId: p.id, sku: p.sku }));
    expect(await inventory.lowStock(ctx, { threshold: 2, products })).toContainEqual({
      productId,
      sku: `SKU-${productId}`,
      available: 1,
    });
  });

  it("stores supplier codes as SOLD for the order, once", async () => {
    const productId = await createProduct(db, "DIRECT");
    const orderId = newId();
    const supplierId = newId();
    const codes = [{ code: "SUP-1", password: "p1" }, { code: "SUP-2" }];
    const first = await inventory.addSupplierCodes(ctx, { productId, orderId, supplierId, codes });
    expect(first).toMatchObject({ replayed: false, codeIds: [expect.any(BigInt), expect.any(BigInt)] });
    expect(await db.codeBatch.findUnique({ where: { id: first.batchId! } })).toMatchObject({
      source: `supplier:${supplierId}`,
      imported: 2,
    });
    expect(await inventory.reveal(ctx, { orderId })).toEqual([{ code: "SUP-1", password: "p1" }, { code: "SUP-2" }]);
    expect(await inventory.addSupplierCodes(ctx, { productId, orderId, supplierId, codes })).toMatchObject({
      replayed: true,
      codeIds: first.codeIds,
    });
    const err = await inventory
      .addSupplierCodes(ctx, { productId, orderId: newId(), supplierId, codes: [{ code: "SUP-2" }] })
      .catch((e) => e);
    expect(err).toMatchObject({ type: "conflict", code: "supplier_code_taken" });
    expect(String(err.message)).not.toContain("SUP-2");
  });

  it("tracks restock subscriptions and hands each out once when stock is back", async () => {
    const productId = await createProduct(db);
    const [u1, u2] = [newId(), newId()];
    expect(await inventory.subscribeRestock(ctx, { userId: u1, productId, channel: "telegram" })).toEqual({
      ok: true,
      created: true,
    });
    await inventory.subscribeRestock(ctx, { userId: u2, productId, channel: "wechat" });
    expect(await inventory.dueRestockNotifications(ctx, { productId })).toEqual([]); // nothing in stock
    await inventory.importCodes(ctx, { productId, source: "t", content: "BACK-1" });
    const due = await inventory.dueRestockNotifications(ctx, { productId });
    expect(due).toHaveLength(2);
    expect(due).toContainEqual({ userId: u1, channel: "telegram" });
    expect(await inventory.dueRestockNotifications(ctx, { productId })).toEqual([]);
    expect(await inventory.subscribeRestock(ctx, { userId: u1, productId, channel: "slack" })).toEqual({
      ok: true,
      created: false,
    });
    expect(await inventory.dueRestockNotifications(ctx, { productId })).toEqual([{ userId: u1, channel: "slack" }]);
  });

  it("counts sellable codes per product: not reserved, not sold, not past expiry; agrees with the stock report", async () => {
    const [a, b, empty] = [await createProduct(db), await createProduct(db), await createProduct(db)];
    await inventory.importCodes(ctx, { productId: a, source: "t", content: "AV-1\nAV-2\nAV-3" });
    await inventory.importCodes(ctx, { productId: b, source: "t", content: "BV-1" });
    expect(await claimInTx(a, newId(), 2)).toMatchObject({ ok: true });
    await inventory.importCodes(ctx, { productId: a, source: "t", content: "AV-4,pw,2026-01-10" });
    const before = await inventory.availableCounts(ctx, { productIds: [a, b, empty] });
    expect(Object.fromEntries(before)).toEqual({ [a]: 2, [b]: 1 });
    clock.advance(15 * 24 * 3600_000); // AV-4 is past its expiry now
    const after = await inventory.availableCounts(ctx, { productIds: [a] });
    expect(after.get(a)).toBe(1);
    const report = await inventory.stock(ctx, { productId: a });
    expect(report.products[0]!.available).toBe(after.get(a));
    expect((await inventory.availableCounts(ctx)).get(b)).toBe(1);
  });
});
