import type { Category, Product } from "../../core/catalog/index.ts";
import type { Reply } from "../turn.ts";
import type { Session } from "./shop-bot.types.ts";
import type { Kit } from "./shop-kit.ts";
import type { createBrowse } from "./browse.ts";

const MAX_RESULTS = 10;

/** Lower case, full-width folded, no spaces or punctuation: "Ｑ币 10" and "q币10" compare equal. */
export function searchKey(s: string): string {
  return s
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}]+/gu, "");
}

/**
 * Products whose Chinese or English name (or category name) contains every word of the query,
 * whatever the buyer's language: "Q币", "爱奇艺", "iqiyi", "steam 100".
 */
export function matchProducts(query: string, products: Product[], categories: Category[]): Product[] {
  const words = query
    .normalize("NFKC")
    .split(/\s+/)
    .map(searchKey)
    .filter((w) => w.length > 0);
  if (!words.length) return [];
  const catNames = new Map(categories.map((c) => [c.id, searchKey(c.nameZh) + "\u0000" + searchKey(c.nameEn)]));
  return products.filter((p) => {
    const hay = [searchKey(p.nameZh), searchKey(p.nameEn), catNames.get(p.categoryId) ?? ""].join("\u0000");
    return words.every((w) => hay.includes(w));
  });
}

/** Free text outside a step: a product search by name. */
export function createSearch(k: Kit, browse: ReturnType<typeof createBrowse>) {
  const { ports, t, text, menuRow, mainMenu } = k;

  /** Sellable products matching a typed name (at most 10). */
  async function find(s: Session, query: string): Promise<Product[]> {
    const [products, categories] = await Promise.all([
      ports.catalog.listProducts(s.ctx, {}),
      ports.catalog.listCategories(s.ctx),
    ]);
    return matchProducts(query, products, categories).slice(0, MAX_RESULTS);
  }

  async function results(s: Session, query: string, found: Product[]): Promise<Reply[]> {
    const shown = query.trim().slice(0, 40);
    if (found.length === 1) return browse.productCard(s, found[0]!);
    if (found.length === 0) return [mainMenu(s, t(s, "search.none", { query: shown }))];
    return [text(s, t(s, "search.results", { query: shown }), [...(await browse.productRows(s, found)), menuRow(s)])];
  }

  return { find, results };
}
