import type { Product } from "../../core/catalog/index.ts";
import type { MessageKey } from "../i18n/index.ts";
import type { ButtonRows, Reply } from "../turn.ts";
import { bold, plain } from "../turn.ts";
import type { Session } from "./shop-bot.types.ts";
import { type Kit } from "./shop-kit.ts";

/** Stock counts in product lists may be this old (a display; the card and the purchase read fresh). */
const LIST_STOCK_MAX_AGE_MS = 2_000;

export interface BrowseNext {
  /** Goes on with one quantity (a product that can only be bought in one quantity skips the question). */
  buyQuantity(s: Session, p: Product, quantity: number): Promise<Reply[]>;
}

/** Browsing: categories, products with the buyer’s price and stock, product cards, stale re-checks. */
export function createBrowse(k: Kit, next: BrowseNext) {
  const {
    ports,
    t,
    money,
    priceText,
    pname,
    btn,
    text,
    lines,
    menuRow,
    setState,
    clearFlow,
    availableOf,
    stockText,
    priceFor,
    invalidButton,
  } = k;

  async function categoriesView(s: Session): Promise<Reply> {
    const cats = await ports.catalog.listCategories(s.ctx);
    if (!cats.length) return text(s, t(s, "shop.no_categories"), [menuRow(s)]);
    const rows: ButtonRows = cats.slice(0, 30).map((c) => [btn(pname(s, c), { op: "category", categoryId: c.id })]);
    rows.push(menuRow(s));
    return text(s, t(s, "shop.categories_title"), rows);
  }

  async function productsView(s: Session, categoryId: string): Promise<Reply> {
    const cat = await ports.catalog.getCategory(s.ctx, categoryId);
    if (!cat || !cat.active) return invalidButton(s);
    const products = (await ports.catalog.listProducts(s.ctx, { categoryId })).slice(0, 30);
    const back = [btn(t(s, "common.back"), { op: "categories" }), ...menuRow(s)];
    if (!products.length) return text(s, t(s, "shop.no_products"), [back]);
    return text(s, t(s, "shop.products_title", { category: pname(s, cat) }), [
      ...(await productRows(s, products)),
      back,
    ]);
  }

  /** One button per product: name, the buyer's price, stock. */
  async function productRows(s: Session, products: Product[]): Promise<ButtonRows> {
    const facts = await Promise.all(
      products.map((p) => Promise.all([priceFor(s, p), availableOf(s, p, LIST_STOCK_MAX_AGE_MS)])),
    );
    return products.map((p, i) => {
      const [price, available] = facts[i]!;
      return [
        btn(
          t(s, "shop.product_line", {
            name: pname(s, p),
            price: priceText(s, price, p.currency),
            stock: stockText(s, available),
          }),
          { op: "product", productId: p.id, version: p.version, price },
        ),
      ];
    });
  }

  function deliveryLine(s: Session, p: Product): string {
    if (p.deliveryKind === "CODE") return t(s, s.isPrivate ? "shop.card_code" : "shop.card_code_group");
    if (p.targetKind === "MOBILE")
      return p.carrier
        ? t(s, "shop.card_direct_mobile_carrier", { carrier: t(s, `carrier.${p.carrier}` as MessageKey) })
        : t(s, "shop.card_direct_mobile");
    return t(s, "shop.card_direct_account");
  }

  async function productCard(s: Session, p: Product, prefix?: string): Promise<Reply[]> {
    const [price, available] = await Promise.all([priceFor(s, p), availableOf(s, p)]);
    const back = [btn(t(s, "common.back"), { op: "category", categoryId: p.categoryId }), ...menuRow(s)];
    const head = lines(
      prefix,
      bold(pname(s, p)),
      t(s, "shop.card_price", { price: priceText(s, price, p.currency) }),
      p.faceValue !== price ? t(s, "shop.card_face", { face: money(s, p.faceValue, p.currency) }) : null,
      // DIRECT products have no stock: their delivery line says they are topped up at once.
      available === null
        ? null
        : t(s, available > 0 ? "shop.card_stock" : p.acceptBackorders ? "shop.card_backorder" : "shop.card_sold_out", {
            count: available,
          }),
      p.minQty === p.maxQty ? null : t(s, "shop.card_limits", { min: p.minQty, max: p.maxQty }),
      deliveryLine(s, p),
    );
    // 补单: a product that takes backorders is bought while sold out (the order waits for a restock).
    const sellable = p.acceptBackorders ? null : available;
    if (sellable === 0) {
      await clearFlow(s);
      return [
        text(
          s,
          [...head, plain("\n\n"), plain(t(s, "shop.sold_out", { name: pname(s, p) }))],
          [[btn(t(s, "shop.notify_me"), { op: "notify", productId: p.id })], back],
        ),
      ];
    }
    if (!s.isPrivate) {
      const url = s.caps.deepLink(`buy_${p.id}`);
      const rows: ButtonRows = url ? [[{ kind: "url", label: t(s, "shop.buy_in_private"), url }]] : [];
      rows.push(back);
      return [text(s, url ? head : [...head, plain("\n"), plain(t(s, "group.no_deep_link"))], rows)];
    }
    const max = sellable === null ? p.maxQty : Math.min(p.maxQty, sellable);
    // A product sold in one quantity only (a top-up of one): no "how many?" with a single button.
    if (p.minQty === p.maxQty && max === p.minQty)
      return [text(s, head, [back]), ...(await next.buyQuantity(s, p, p.minQty))];
    const picks = [1, 2, 3, 5, 10].filter((n) => n >= p.minQty && n <= max);
    if (!picks.includes(p.minQty) && p.minQty <= max) picks.unshift(p.minQty);
    const qtyRow = picks
      .slice(0, 5)
      .map((n) => btn(String(n), { op: "qty", productId: p.id, version: p.version, price, quantity: n }));
    const rows: ButtonRows = [qtyRow];
    if (max > p.minQty)
      rows.push([
        btn(t(s, "shop.other_quantity"), { op: "qty", productId: p.id, version: p.version, price, quantity: null }),
      ]);
    rows.push(back);
    await setState(s, (cur) => ({
      done: cur.done,
      ...(cur.offered ? { offered: cur.offered } : {}),
      step: { kind: "quantity", productId: p.id, version: p.version, price: price.toString() },
    }));
    return [text(s, [...head, plain("\n\n"), plain(t(s, "shop.choose_quantity"))], rows)];
  }

  async function recheck(
    s: Session,
    productId: string,
    version: number,
    price: bigint | null,
  ): Promise<{ ok: true; product: Product } | { ok: false; replies: Reply[] }> {
    const p = await ports.catalog.getProduct(s.ctx, productId);
    if (!p || !p.active) {
      await clearFlow(s);
      return {
        ok: false,
        replies: [text(s, t(s, "confirm.gone"), [[btn(t(s, "menu.shop"), { op: "categories" })], menuRow(s)])],
      };
    }
    if (p.version !== version) {
      const now = await priceFor(s, p);
      const msg =
        price !== null && now !== price
          ? t(s, "confirm.price_changed", { old: money(s, price, p.currency), new: money(s, now, p.currency) })
          : t(s, "confirm.changed");
      return { ok: false, replies: await productCard(s, p, msg) };
    }
    return { ok: true, product: p };
  }

  return { categoriesView, productsView, productRows, deliveryLine, productCard, recheck };
}
