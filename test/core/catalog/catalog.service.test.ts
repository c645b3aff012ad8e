import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalog, type Catalog, type PriceRule, type Product } from "../../../core/catalog/index.ts";
import { ManualClock, systemContext, type DomainError } from "../../../core/shared/index.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";

const ctx = systemContext("test-catalog");

describe("catalog", () => {
  let t: TestDatabase;
  let catalog: Catalog;
  let games: string;
  let phone: string;
  let card: Product;
  let cmccTopUp: Product;
  let gameTopUp: Product;
  const halfPriceForVip: PriceRule = {
    name: "vip",
    apply: (_ctx, { userId, unitPrice }) => (userId === VIP ? unitPrice / 2n : undefined),
  };

  beforeAll(async () => {
    t = await createTestDatabase("catalog");
    catalog = createCatalog({
      prisma: t.db.prisma,
      sql: t.db.sql,
      clock: new ManualClock(),
      priceRules: [halfPriceForVip],
    });
    phone = (await catalog.upsertCategory(ctx, { slug: "phone", nameZh: "话费", nameEn: "Phone credit", sortOrder: 1 }))
      .id;
    games = (
      await catalog.upsertCategory(ctx, { slug: "games", nameZh: "游戏点卡", nameEn: "Game cards", sortOrder: 2 })
    ).id;
    const base = { currency: "CNY" as const, nameZh: "x", nameEn: "x" };
    card = await catalog.upsertProduct(ctx, {
      ...base,
      sku: "JD-100",
      categoryId: games,
      faceValue: 10000n,
      price: 9800n,
      deliveryKind: "CODE",
      minQty: 1,
      maxQty: 5,
    });
    cmccTopUp = await catalog.upsertProduct(ctx, {
      ...base,
      sku: "CMCC-50",
      categoryId: phone,
      faceValue: 5000n,
      price: 4990n,
      deliveryKind: "DIRECT",
      targetKind: "MOBILE",
      carrier: "CMCC",
    });
    gameTopUp = await catalog.upsertProduct(ctx, {
      ...base,
      sku: "GAME-60",
      categoryId: games,
      faceValue: 600n,
      price: 580n,
      deliveryKind: "DIRECT",
      targetKind: "GAME_ACCOUNT",
      targetPattern: "\\d{6,10}",
    });
  });
  afterAll(() => t.drop());

  it("lists active products of active categories by category order, then face value", async () => {
    await catalog.upsertProduct(ctx, { ...toInput(card), sku: "JD-OFF", faceValue: 1n, active: false, id: undefined });
    const hidden = await catalog.upsertCategory(ctx, { slug: "hidden", nameZh: "隐", nameEn: "Hidden", active: false });
    await catalog.upsertProduct(ctx, { ...toInput(card), sku: "HID-1", categoryId: hidden.id, id: undefined });
    expect((await catalog.listProducts(ctx)).map((p) => p.sku)).toEqual(["CMCC-50", "GAME-60", "JD-100"]);
    expect((await catalog.listProducts(ctx, { categoryId: games })).map((p) => p.sku)).toEqual(["GAME-60", "JD-100"]);
    expect((await catalog.listCategories(ctx)).map((c) => c.slug)).toEqual(["phone", "games"]);
    expect(
      await catalog.quote(ctx, { productId: (await catalog.getProductBySku(ctx, "HID-1"))!.id, quantity: 1 }),
    ).toEqual({ ok: false, code: "product_unavailable" });
  });

  it("bumps the version on price/active/limit changes only", async () => {
    const p = await catalog.upsertProduct(ctx, { ...toInput(card), sku: "VER-1", id: undefined });
    expect(p.version).toBe(1);
    const renamed = await catalog.updateProduct(ctx, { productId: p.id, patch: { nameEn: "Renamed" } });
    expect(renamed.version).toBe(1);
    const repriced = await catalog.updateProduct(ctx, { productId: p.id, patch: { price: 9700n } });
    expect(repriced).toMatchObject({ version: 2, price: 9700n, nameEn: "Renamed" });
    const limited = await catalog.upsertProduct(ctx, { ...toInput(repriced), maxQty: 3 });
    expect(limited.version).toBe(3);
  });

  it("validates products on upsert", async () => {
    const bad = (patch: Record<string, unknown>) =>
      catalog.upsertProduct(ctx, { ...toInput(gameTopUp), id: undefined, sku: "BAD-1", ...patch }).catch((e) => e);
    expect(await bad({ targetPattern: "(a+)+$" })).toMatchObject({ type: "invalid_data", code: "invalid_product" });
    expect(await bad({ targetPattern: "[unclosed" })).toMatchObject({ type: "invalid_data" });
    expect(await bad({ targetKind: null })).toMatchObject({ type: "invalid_data" });
    expect(await bad({ minQty: 5, maxQty: 2 })).toMatchObject({ type: "invalid_data" });
    expect(await bad({ price: -1n })).toMatchObject({ type: "invalid_data" });
    expect(await bad({ carrier: "CMCC" })).toMatchObject({ type: "invalid_data" });
    const missing = (await bad({ categoryId: "00000000-0000-7000-8000-000000000000" })) as DomainError;
    expect(missing).toMatchObject({ type: "not_found", code: "category_not_found" });
  });

  it("quotes retail, lets price rules plug in, and enforces quantity limits", async () => {
    expect(await catalog.quote(ctx, { productId: card.id, quantity: 3 })).toMatchObject({
      ok: true,
      unitPrice: 9800n,
      total: 29400n,
      currency: "CNY",
      productVersion: card.version,
      priceSource: "retail",
    });
    expect(await catalog.quote(ctx, { productId: card.id, quantity: 2, userId: VIP })).toMatchObject({
      ok: true,
      unitPrice: 4900n,
      total: 9800n,
      priceSource: "vip",
    });
    for (const quantity of [0, -1, 6, 1e9, 1.5, Number.NaN, Infinity]) {
      expect(await catalog.quote(ctx, { productId: card.id, quantity })).toEqual({
        ok: false,
        code: "quantity_out_of_range",
        min: 1,
        max: 5,
      });
    }
    expect(await catalog.quote(ctx, { productId: "not-a-uuid", quantity: 1 })).toEqual({
      ok: false,
      code: "product_unavailable",
    });
  });

  it("keeps totals below MAX_MINOR and caps quantity at 1000", async () => {
    const pricey = await catalog.upsertProduct(ctx, {
      ...toInput(card),
      id: undefined,
      sku: "PRICEY",
      price: 10n ** 14n,
      maxQty: 1000,
    });
    expect(await catalog.quote(ctx, { productId: pricey.id, quantity: 9 })).toMatchObject({ ok: true });
    expect(await catalog.quote(ctx, { productId: pricey.id, quantity: 10 })).toEqual({
      ok: false,
      code: "quantity_out_of_range",
      min: 1,
      max: 9,
    });
    const err = await catalog
      .upsertProduct(ctx, { ...toInput(card), id: undefined, sku: "MANY", maxQty: 1001 })
      .catch((e) => e);
    expect(err).toMatchObject({ type: "invalid_data" });
  });

  it("validates targets: carrier restriction, mobile format, account pattern", async () => {
    const v = (productId: string, target?: string) => catalog.validateTarget(ctx, { productId, target });
    expect(await v(cmccTopUp.id, "+86 138-0013-8000")).toEqual({ ok: true, target: "13800138000", carrier: "CMCC" });
    expect(await v(cmccTopUp.id, "18612345678")).toEqual({
      ok: false,
      code: "wrong_carrier",
      expected: "CMCC",
      got: "CUCC",
    });
    expect(await v(cmccTopUp.id, "1380013800")).toEqual({ ok: false, code: "invalid_mobile", reason: "wrong_length" });
    expect(await v(cmccTopUp.id, "  ")).toEqual({ ok: false, code: "target_required" });
    expect(await v(gameTopUp.id, " 12345678 ")).toEqual({ ok: true, target: "12345678" });
    expect(await v(gameTopUp.id, "12345678901")).toMatchObject({ ok: false, code: "invalid_account" });
    expect(await v(gameTopUp.id, "abc123")).toMatchObject({ ok: false, code: "invalid_account" });
    expect(await v(card.id, "ignored")).toEqual({ ok: true, target: null });
    await expect(v("00000000-0000-7000-8000-000000000000", "x")).rejects.toMatchObject({ type: "not_found" });
  });
});

const VIP = "0190a000-0000-7000-8000-00000000a11c";

function toInput(p: Product) {
  const { version: _v, createdAt: _c, updatedAt: _u, ...rest } = p;
  return rest;
}
