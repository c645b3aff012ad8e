import { randomBytes } from "node:crypto";
import type { Product } from "../../core/catalog/index.ts";
import type { Currency, Locale } from "../../core/shared/index.ts";
import type { MessageKey, MessageParams } from "../i18n/index.ts";
import type { ButtonRows, CallbackButton, ChannelCapabilities, Reply, TextPart, TextReply } from "../turn.ts";
import { plain } from "../turn.ts";
import { createCallbackCodec, type Action } from "./callback-data.ts";
import type { PriceQuote, ShopRef } from "./ports.ts";
import type { Session, ShopBotDeps, ShopState } from "./shop-bot.types.ts";

export const MAX_TEXT = 256;
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const defaultCaps: ChannelCapabilities = {
  deepLink: () => null,
  starsInvoices: false,
  buttons: "native",
  files: false,
};

/** How an order is named to buyers: its order number (`#K7M2-9QX4`), which support and the CLI also take. */
export const orderLabel = (order: { number: string }) => `#${order.number}`;

export type Kit = ReturnType<typeof createKit>;

/** The shop a conversation was buying in is gone: the turn answers so and goes on outside it (shop-bot.ts). */
export class ShopClosed extends Error {
  constructor() {
    super("the shop this conversation buys in is gone");
  }
}
const shopClosed = () => new ShopClosed();

/** What every part of the shop bot shares: deps, message and button helpers, conversation state. */
export function createKit(deps: ShopBotDeps) {
  const { ports, identity, conversations, i18n, clock } = deps;
  const codec = createCallbackCodec(deps.buttonKey);
  const currency: Currency = deps.currency ?? "CNY";
  const presets = deps.topUpPresets ?? [1000n, 5000n, 10000n];
  const nonce = deps.nonce ?? (() => randomBytes(8).toString("base64url"));
  const linkMinutes = deps.linkCodeMinutes ?? 10;

  // ------------------------------------------------------------------------------- small helpers
  const t = (s: { locale: Locale }, key: MessageKey, params?: MessageParams) => i18n.t(s.locale, key, params);
  const money = (s: { locale: Locale }, amount: bigint, cur: string) => i18n.money(s.locale, amount, cur);
  /** A price, with its Stars price beside it where the chat can pay in Stars (Telegram) and it is not in Stars already. */
  const priceText = (s: Session, amount: bigint, cur: string): string => {
    const stars = s.caps.starsInvoices && cur !== "XTR" ? ports.payments?.stars?.quote(amount, cur) : null;
    const shown = money(s, amount, cur);
    return stars ? t(s, "stars.beside", { price: shown, stars: money(s, stars, "XTR") }) : shown;
  };
  const pname = (s: { locale: Locale }, p: Pick<Product, "nameZh" | "nameEn">) =>
    s.locale === "zh-CN" ? p.nameZh : p.nameEn;
  const btn = (label: string, action: Action): CallbackButton => ({
    kind: "callback",
    label,
    data: codec.encode(action),
  });
  const text = (s: Session, body: TextPart[] | string, buttons?: ButtonRows): TextReply => ({
    kind: "text",
    body: typeof body === "string" ? [plain(body)] : body,
    ...(buttons && buttons.length ? { buttons } : {}),
    ...(s.edit ? { edit: true } : {}),
  });
  const lines = (...parts: (string | TextPart | null | undefined | false)[]): TextPart[] => {
    const out: TextPart[] = [];
    for (const p of parts) {
      if (!p) continue;
      if (out.length) out.push(plain("\n"));
      out.push(typeof p === "string" ? plain(p) : p);
    }
    return out;
  };
  const menuRow = (s: Session): CallbackButton[] => [btn(t(s, "common.menu"), { op: "menu" })];
  /** The label of an order known by id only (its number is the database's: one read). */
  const labelOf = async (s: Session, orderId: string) => orderLabel(await ports.orders.get(s.ctx, { orderId }));

  async function getState(s: Session): Promise<ShopState> {
    return (await conversations.get<ShopState>(s.ctx, s.key)).state ?? {};
  }
  /** Steps rebuild the state from what they keep; the shop stays unless a step sets `shopId` itself. */
  async function setState(s: Session, fn: (cur: ShopState) => ShopState): Promise<void> {
    await conversations.update<ShopState, null>(s.ctx, s.key, (cur) => {
      const next = fn(cur ?? {});
      if (!("shopId" in next) && cur?.shopId) next.shopId = cur.shopId;
      return { state: next, result: null };
    });
  }
  const clearFlow = (s: Session) => setState(s, (cur) => ({ done: cur.done }));

  /** Codes in stock (null for DIRECT products); `maxAgeMs` accepts a recent count, for lists. */
  async function availableOf(s: Session, p: Product, maxAgeMs?: number): Promise<number | null> {
    if (p.deliveryKind !== "CODE") return null;
    return ports.stock.available(s.ctx, p.id, maxAgeMs ? { maxAgeMs } : undefined);
  }
  function stockText(s: Session, available: number | null): string {
    if (available === null) return t(s, "shop.stock_direct");
    return available > 0 ? t(s, "shop.stock_count", { count: available }) : t(s, "shop.stock_out");
  }
  /**
   * The shop this turn buys in (docs/distribution.md "Buying in a shop"): the one whose link opened this
   * conversation, else the buyer's first-touch shop; null outside any shop. Read once per turn.
   */
  function shopOf(s: Session): Promise<ShopRef | null> {
    const shops = ports.shops;
    // Shop links lead into private chats; a group the plain shop serves sells outside any shop.
    if (!shops || !s.isPrivate) return Promise.resolve(null);
    s.shop ??= (async () => {
      const linked = (await getState(s)).shopId;
      if (linked) {
        const shop = await shops.get(s.ctx, linked);
        if (shop) return shop;
        throw shopClosed();
      }
      return shops.attributedShop(s.ctx, s.user.id);
    })();
    return s.shop;
  }
  /** The buyer's price for `quantity` of `p` in the turn's shop: the one price function (orders.quote). */
  async function quote(
    s: Session,
    p: Product,
    quantity: number,
    shopId?: string | null,
  ): Promise<Exclude<PriceQuote, { code: "shop_not_found" }>> {
    const shop = shopId === undefined ? ((await shopOf(s))?.id ?? null) : shopId;
    const q = await ports.orders.quote(s.ctx, { userId: s.user.id, productId: p.id, quantity, shopId: shop });
    if (!q.ok && q.code === "shop_not_found") throw shopClosed();
    return q;
  }
  async function priceFor(s: Session, p: Product): Promise<bigint> {
    const q = await quote(s, p, Math.max(1, p.minQty));
    return q.ok ? q.unitPrice : p.price;
  }
  function deepLinkReply(s: Session, payload: string): Reply[] {
    const url = s.caps.deepLink(payload);
    const body = lines(t(s, "group.private_only"), s.identity.canDm ? null : t(s, "group.start_first"));
    if (!url) return [{ kind: "text", body: lines(t(s, "group.private_only"), t(s, "group.no_deep_link")) }];
    return [{ kind: "deep_link", body, label: t(s, "group.open_private"), url }];
  }

  // ------------------------------------------------------------------------------------ views
  function mainMenu(s: Session, intro?: string): TextReply {
    const rows: ButtonRows = [[btn(t(s, "menu.shop"), { op: "categories" })]];
    if (s.isPrivate) {
      rows.push([btn(t(s, "menu.orders"), { op: "orders" }), btn(t(s, "menu.balance"), { op: "balance" })]);
      rows.push([btn(t(s, "menu.topup"), { op: "topup_menu" }), btn(t(s, "menu.help"), { op: "help" })]);
      rows.push([btn(t(s, "menu.language"), { op: "lang_menu" }), btn(t(s, "menu.link"), { op: "link_menu" })]);
    } else {
      rows.push([btn(t(s, "menu.help"), { op: "help" }), btn(t(s, "menu.language"), { op: "lang_menu" })]);
      const url = s.caps.deepLink("start");
      if (url) rows.push([{ kind: "url", label: t(s, "group.open_private"), url }]);
    }
    return text(s, lines(intro, t(s, "menu.title")), rows);
  }

  function invalidButton(s: Session): Reply {
    return { ...mainMenu(s, t(s, "common.invalid_button")), edit: false };
  }

  /** The product a button or a stored step refers to, if it is still what the buyer saw. */

  return {
    deps,
    ports,
    identity,
    conversations,
    i18n,
    clock,
    codec,
    currency,
    presets,
    nonce,
    linkMinutes,
    t,
    money,
    priceText,
    pname,
    btn,
    text,
    lines,
    menuRow,
    labelOf,
    getState,
    setState,
    clearFlow,
    availableOf,
    stockText,
    priceFor,
    quote,
    shopOf,
    deepLinkReply,
    mainMenu,
    invalidButton,
  };
}
