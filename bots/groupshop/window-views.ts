import type { WindowProduct } from "../../core/distribution/index.ts";
import type { MessageKey, MessageParams } from "../i18n/index.ts";
import { shopLinkPayload } from "../shop-links.ts";
import type { ButtonRows, CallbackButton, Reply, TextReply } from "../turn.ts";
import { bold, plain } from "../turn.ts";
import type { GroupAction } from "./button-data.ts";
import type { GroupKit, GroupSession } from "./groupshop.types.ts";

export const CATEGORIES_PER_PAGE = 8;
export const PRODUCTS_PER_PAGE = 6;

/** The pages of a list and the one asked for (clamped: a page that no longer exists shows the last). */
export function pageOf<T>(items: readonly T[], page: number, size: number) {
  const pages = Math.max(1, Math.ceil(items.length / size));
  const p = Math.min(Math.max(0, page), pages - 1);
  return { items: items.slice(p * size, (p + 1) * size), page: p, pages };
}

/** The shop window in a group: categories → products at the shop's price → a deep link into the private chat. */
export function windowViews({ deps, codec }: GroupKit) {
  const t = (s: GroupSession, key: MessageKey, params?: MessageParams) => deps.i18n.t(s.locale, key, params);
  const name = (s: GroupSession, x: { nameZh: string; nameEn: string }) => (s.locale === "zh-CN" ? x.nameZh : x.nameEn);
  const btn = (label: string, a: GroupAction): CallbackButton => ({ kind: "callback", label, data: codec.encode(a) });
  const text = (s: GroupSession, body: string | TextReply["body"], buttons?: ButtonRows): TextReply => ({
    kind: "text",
    body: typeof body === "string" ? [plain(body)] : body,
    ...(buttons?.length ? { buttons } : {}),
    ...(s.edit ? { edit: true } : {}),
  });
  const stale = (s: GroupSession): Reply => ({ kind: "text", body: [plain(t(s, "groupshop.stale_button"))] });
  const pager = (s: GroupSession, page: number, pages: number, to: (page: number) => GroupAction) => {
    const row: CallbackButton[] = [];
    if (page > 0) row.push(btn(t(s, "groupshop.prev"), to(page - 1)));
    if (page < pages - 1) row.push(btn(t(s, "groupshop.next"), to(page + 1)));
    return row;
  };

  async function categories(s: GroupSession, shopId: string, page = 0): Promise<Reply> {
    const w = await deps.distribution.shopWindow(s.ctx, shopId);
    if (!w) return stale(s);
    if (!w.categories.length) return text(s, t(s, "groupshop.window_empty", { shop: w.shop.name }));
    const pg = pageOf(w.categories, page, CATEGORIES_PER_PAGE);
    const rows: ButtonRows = pg.items.map((c) => [
      btn(name(s, c), { op: "category", shopId, categoryId: c.id, page: 0 }),
    ]);
    const nav = pager(s, pg.page, pg.pages, (p) => ({ op: "window", shopId, page: p }));
    if (nav.length) rows.push(nav);
    return text(s, t(s, "groupshop.window_title", { shop: w.shop.name }), rows);
  }

  async function products(s: GroupSession, shopId: string, categoryId: string, page: number): Promise<Reply> {
    const [w, list] = await Promise.all([
      deps.distribution.shopWindow(s.ctx, shopId),
      deps.distribution.shopProducts(s.ctx, { shopId, categoryId }),
    ]);
    const cat = w?.categories.find((c) => c.id === categoryId);
    if (!w || !list) return stale(s);
    const back = [btn(t(s, "groupshop.categories"), { op: "window", shopId, page: 0 })];
    if (!cat || !list.length) return text(s, t(s, "groupshop.no_products"), [back]);
    const pg = pageOf(list, page, PRODUCTS_PER_PAGE);
    const rows: ButtonRows = pg.items.map((p) => [
      btn(t(s, "groupshop.product_line", { name: name(s, p), price: money(s, p) }), {
        op: "product",
        shopId,
        productId: p.id,
      }),
    ]);
    const nav = pager(s, pg.page, pg.pages, (p) => ({ op: "category", shopId, categoryId, page: p }));
    if (nav.length) rows.push(nav);
    rows.push(back);
    const title = { shop: w.shop.name, category: name(s, cat), page: pg.page + 1, pages: pg.pages };
    return text(s, t(s, "groupshop.products_title", title), rows);
  }

  const money = (s: GroupSession, p: WindowProduct) => deps.i18n.money(s.locale, p.price, p.currency);

  /** A product's card: the shop's price and a link into the private chat that carries the shop — never a code. */
  async function product(s: GroupSession, shopId: string, productId: string): Promise<Reply> {
    const [w, p] = await Promise.all([
      deps.distribution.shopWindow(s.ctx, shopId),
      deps.distribution.shopProduct(s.ctx, { shopId, productId }),
    ]);
    if (!w || !p) return stale(s);
    const payload = shopLinkPayload({ shopId, productId });
    const url = s.caps?.deepLink(payload) ?? null;
    const card = t(s, "groupshop.product_card", { name: name(s, p), shop: w.shop.name, price: money(s, p) });
    const [first, ...rest] = card.split("\n");
    const body = [bold(first ?? ""), plain(`\n${rest.join("\n")}`)];
    const rows: ButtonRows = url ? [[{ kind: "url", label: t(s, "groupshop.buy"), url }]] : [];
    // No deep links (WeChat): the member sends the payload to the bot privately, and the shop goes with it.
    if (!url) body.push(plain(`\n${t(s, "groupshop.no_deep_link", { command: `/start ${payload}` })}`));
    rows.push([btn(t(s, "common.back"), { op: "category", shopId, categoryId: p.categoryId, page: 0 })]);
    return text(s, body, rows);
  }

  return { t, btn, text, stale, categories, products, product };
}

export type WindowViews = ReturnType<typeof windowViews>;
