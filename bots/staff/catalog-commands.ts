import { daysOfCover } from "../../core/alerts/index.ts";
import type { Approvals } from "../../core/approvals/index.ts";
import type { Catalog } from "../../core/catalog/index.ts";
import type { Inventory } from "../../core/inventory/index.ts";
import { CURRENCIES, formatMoney, type CoreContext, type Currency, type Locale } from "../../core/shared/index.ts";
import { bold, plain, type Reply } from "../turn.ts";
import type { OpsMessages } from "./ops-messages.ts";
import type { CommandKit } from "./ops-commands.ts";

export const CATALOG_COMMANDS = ["price", "limits", "sale", "batches", "product", "void"] as const;
export type CatalogCommandName = (typeof CATALOG_COMMANDS)[number];

export interface CatalogCommandDeps {
  catalog: Pick<Catalog, "getProductBySku" | "updateProduct" | "upsertProduct" | "listCategories">;
  inventory: Pick<Inventory, "stock" | "voidBatch">;
  approvals: Pick<Approvals, "submit">;
  /** Units delivered of a product over the last `days` days (the sales rate behind days of cover). */
  unitsSold(ctx: CoreContext, productId: string, days: number): Promise<number>;
}

const say = (s: string): Reply[] => [{ kind: "text", body: [plain(s)] }];

/** Catalog and stock commands: price (approval above the configured change), limits, on/off sale, batches. */
export async function runCatalogCommand(
  deps: CatalogCommandDeps,
  ctx: CoreContext,
  command: CatalogCommandName,
  args: string[],
  m: OpsMessages,
  locale: Locale,
  kit: CommandKit,
  parseAmount: (raw: string, c: Currency) => bigint | null,
): Promise<Reply[]> {
  if (command === "product") return addProduct(deps, ctx, args, m, locale, kit, parseAmount);
  if (command === "void") return voidBatch(deps, ctx, args, m, kit);
  const usages: Record<Exclude<CatalogCommandName, "product" | "void">, string> = {
    price: "price <sku> <amount>",
    limits: "limits <sku> <min> <max>",
    sale: "sale <sku> on|off",
    batches: "batches <sku>",
  };
  const counts = { price: 2, limits: 3, sale: 2, batches: 1 } as const;
  if (args.length !== counts[command as keyof typeof counts]) return kit.usage(command, usages[command]);
  const product = await deps.catalog.getProductBySku(ctx, args[0]!);
  if (!product) {
    await kit.audited(command, "refused", { code: "product_not_found", given: args[0]!.slice(0, 40) });
    return say(m.productNotFound(args[0]!.slice(0, 40)));
  }
  const target = { type: "product", id: product.id };
  const cur = product.currency as Currency;
  const money = (v: bigint) => formatMoney(v, cur, locale);

  switch (command as Exclude<CatalogCommandName, "product" | "void">) {
    case "price": {
      const price = parseAmount(args[1]!, cur);
      if (price === null) {
        await kit.audited(command, "refused", { code: "invalid_amount" }, target);
        return say(m.badAmount(cur, CURRENCIES[cur].minorDigits));
      }
      const r = await deps.approvals.submit(ctx, {
        action: "catalog.price",
        payload: { productId: product.id, price: price.toString() },
        reason: `price ${product.sku} ${money(product.price)} → ${money(price)}`,
      });
      if (r.status === "executed") return say(m.productSet(product.sku, `${m.priceWord} ${money(price)}`));
      if (r.status === "failed") return say(m.adjustFailed(r.error));
      return [kit.approvalButtons(r.request)];
    }
    case "limits": {
      const [min, max] = [Number(args[1]), Number(args[2])];
      if (!/^\d{1,4}$/.test(args[1]!) || !/^\d{1,4}$/.test(args[2]!) || min < 1 || max < min) {
        await kit.audited(command, "refused", { code: "invalid_limits" }, target);
        return say(m.badLimits);
      }
      await deps.catalog.updateProduct(ctx, { productId: product.id, patch: { minQty: min, maxQty: max } });
      await kit.audited(
        command,
        "ok",
        { before: { minQty: product.minQty, maxQty: product.maxQty }, after: { minQty: min, maxQty: max } },
        target,
      );
      return say(m.productSet(product.sku, `${min}–${max}`));
    }
    case "sale": {
      const on = args[1]!.toLowerCase();
      if (on !== "on" && on !== "off") return kit.usage(command, usages.sale);
      await deps.catalog.updateProduct(ctx, { productId: product.id, patch: { active: on === "on" } });
      await kit.audited(command, "ok", { before: { active: product.active }, after: { active: on === "on" } }, target);
      return say(m.productSet(product.sku, on === "on" ? m.onSale : m.offSale));
    }
    case "batches": {
      const report = await deps.inventory.stock(ctx, { productId: product.id });
      const sold7 = await deps.unitsSold(ctx, product.id, 7);
      const available = report.products[0]?.available ?? 0;
      const cover = daysOfCover(available, sold7, 7);
      await kit.audited(command, "ok", { batches: report.batches.length }, target);
      const head = `${"batch".padEnd(36)} ${"source".padEnd(10)} ${"in".padStart(6)} ${"avail".padStart(6)} ${"resv".padStart(5)} ${"sold".padStart(6)} ${"exp".padStart(5)} ${"void".padStart(5)}`;
      const rows = report.batches.map(
        (b) =>
          `${b.batchId} ${b.source.slice(0, 10).padEnd(10)} ${String(b.imported).padStart(6)} ${String(b.available).padStart(6)} ${String(b.reserved).padStart(5)} ${String(b.sold).padStart(6)} ${String(b.expired).padStart(5)} ${String(b.voided).padStart(5)}`,
      );
      return [
        {
          kind: "text",
          body: [
            bold(m.batchesTitle(product.sku)),
            plain(`\n${m.cover(available, sold7, cover === null ? null : Math.round(cover * 10) / 10)}\n`),
            { text: [head, ...rows].join("\n"), style: "pre" },
          ],
        },
      ];
    }
  }
}

/** `product add <sku> <category slug> <price> <CUR> <name…>`: a new card-code product, on sale, audited. */
async function addProduct(
  deps: CatalogCommandDeps,
  ctx: CoreContext,
  args: string[],
  m: OpsMessages,
  locale: Locale,
  kit: CommandKit,
  parseAmount: (raw: string, c: Currency) => bigint | null,
): Promise<Reply[]> {
  const u = "product add <sku> <category slug> <price> <CNY|USD|XTR> <name>";
  const [verb, sku, slug, priceRaw, curRaw, ...name] = args;
  if (verb !== "add" || !sku || !slug || !priceRaw || !curRaw || name.length === 0) return kit.usage("product", u);
  const cur = curRaw.toUpperCase();
  if (!(cur in CURRENCIES)) {
    await kit.audited("product", "refused", { code: "invalid_currency" });
    return say(m.badCurrency(curRaw.slice(0, 8), Object.keys(CURRENCIES).join(", ")));
  }
  const price = parseAmount(priceRaw, cur as Currency);
  if (price === null) {
    await kit.audited("product", "refused", { code: "invalid_amount" });
    return say(m.badAmount(cur, CURRENCIES[cur as Currency].minorDigits));
  }
  if (await deps.catalog.getProductBySku(ctx, sku)) {
    await kit.audited("product", "refused", { code: "sku_taken", sku: sku.slice(0, 40) });
    return say(m.skuTaken(sku.slice(0, 40)));
  }
  const category = (await deps.catalog.listCategories(ctx, { includeInactive: true })).find((c) => c.slug === slug);
  if (!category) {
    await kit.audited("product", "refused", { code: "category_not_found", slug: slug.slice(0, 40) });
    return say(m.categoryNotFound(slug.slice(0, 40)));
  }
  const title = name.join(" ").slice(0, 100);
  const p = await deps.catalog.upsertProduct(ctx, {
    sku,
    categoryId: category.id,
    nameZh: title,
    nameEn: title,
    faceValue: price,
    currency: cur as Currency,
    price,
    deliveryKind: "CODE",
  });
  await kit.audited(
    "product",
    "ok",
    { after: { sku, price: price.toString(), currency: cur } },
    { type: "product", id: p.id },
  );
  return say(m.productAdded(p.sku, formatMoney(p.price, cur as Currency, locale)));
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `void <batch id> <reason>`: the batch's unsold codes off sale for good (VOID), audited with the count. */
async function voidBatch(
  deps: CatalogCommandDeps,
  ctx: CoreContext,
  args: string[],
  m: OpsMessages,
  kit: CommandKit,
): Promise<Reply[]> {
  const [batchId, ...why] = args;
  const reason = why.join(" ").trim();
  if (!batchId || !UUID_RE.test(batchId) || reason.length < 3) return kit.usage("void", "void <batch id> <reason>");
  const r = await deps.inventory.voidBatch(ctx, { batchId: batchId.toLowerCase() });
  await kit.audited(
    "void",
    "ok",
    { voided: r.voided, productId: r.productId, reason: reason.slice(0, 200) },
    { type: "batch", id: r.batchId },
  );
  return say(m.batchVoided(r.batchId, r.voided));
}
