import type { NumberedOrder } from "../../core/orders/index.ts";
import type { CoreContext, Locale } from "../../core/shared/index.ts";
import { asBuyer, assertExhaustive, isDomainError } from "../../core/shared/index.ts";
import type { MessageKey } from "../i18n/index.ts";
import type { ButtonRows, Reply } from "../turn.ts";
import { bold, code, plain } from "../turn.ts";
import type { Session } from "./shop-bot.types.ts";
import { orderLabel, type Kit } from "./shop-kit.ts";

/** The buyer’s own things: orders, codes (private only), balance, top-up menu, language, linking. */
export function createAccount(k: Kit) {
  const {
    ports,
    identity,
    conversations,
    i18n,
    currency,
    presets,
    linkMinutes,
    t,
    money,
    pname,
    btn,
    text,
    lines,
    menuRow,
    setState,
    clearFlow,
    deepLinkReply,
    mainMenu,
    invalidButton,
  } = k;

  // ----------------------------------------------------------------------------- orders, wallet
  async function ordersView(s: Session): Promise<Reply> {
    const orders = await ports.orders.listForUser(s.ctx, { userId: s.user.id, limit: 10 });
    if (!orders.length)
      return text(s, t(s, "orders.empty"), [[btn(t(s, "menu.shop"), { op: "categories" })], menuRow(s)]);
    const names = new Map<string, string>();
    for (const o of orders)
      if (!names.has(o.productId)) {
        const p = await ports.catalog.getProduct(s.ctx, o.productId);
        names.set(o.productId, p ? pname(s, p) : "?");
      }
    const rows: ButtonRows = orders.map((o) => [
      btn(
        t(s, "orders.line", {
          order: orderLabel(o),
          name: names.get(o.productId) ?? "?",
          quantity: o.quantity,
          total: money(s, o.total, o.currency),
          status: t(s, `status.${o.status}` as MessageKey),
        }),
        { op: "order", orderId: o.id },
      ),
    ]);
    rows.push(menuRow(s));
    return text(s, t(s, "orders.title"), rows);
  }

  async function ownOrder(s: Session, orderId: string): Promise<NumberedOrder | null> {
    try {
      return await ports.orders.get(s.ctx, { orderId });
    } catch (e) {
      if (isDomainError(e) && e.type === "not_found") return null;
      throw e;
    }
  }

  async function orderDetail(s: Session, orderId: string): Promise<Reply[]> {
    const o = await ownOrder(s, orderId);
    if (!o) return [invalidButton(s)];
    const shopId = o.pricing?.chain?.shopId;
    const [p, shop] = await Promise.all([
      ports.catalog.getProduct(s.ctx, o.productId),
      shopId && ports.shops ? ports.shops.get(s.ctx, shopId) : null,
    ]);
    const body = lines(
      bold(t(s, "orders.detail_title", { order: orderLabel(o) })),
      shop ? t(s, "shopctx.line", { shop: shop.name }) : null,
      t(s, "orders.detail_product", { name: p ? pname(s, p) : "?", quantity: o.quantity }),
      t(s, "orders.detail_total", { total: money(s, o.total, o.currency) }),
      t(s, "orders.detail_status", { status: t(s, `status.${o.status}` as MessageKey) }),
      o.target ? t(s, "orders.detail_target", { target: o.target }) : null,
      t(s, "orders.detail_created", { date: i18n.date(s.locale, o.createdAt, s.timeZone) }),
    );
    const rows: ButtonRows = [];
    if (o.status === "DELIVERED" && (!p || p.deliveryKind === "CODE"))
      rows.push([btn(t(s, "orders.resend"), { op: "resend", orderId: o.id })]);
    rows.push([btn(t(s, "common.back"), { op: "orders" }), ...menuRow(s)]);
    return [text(s, body, rows)];
  }

  async function codesReply(loc: { locale: Locale }, o: NumberedOrder, ctx: CoreContext): Promise<Reply | null> {
    const codes = await ports.orders.codesFor(ctx, { orderId: o.id });
    if (!codes.length) return null;
    const p = await ports.catalog.getProduct(ctx, o.productId);
    return {
      kind: "codes",
      orderId: o.id,
      title: [
        bold(
          t(loc, "order.delivered_title", {
            order: orderLabel(o),
            name: p ? pname(loc, p) : "?",
            quantity: o.quantity,
          }),
        ),
      ],
      items: codes.map((c) => (c.password ? { code: c.code, password: c.password } : { code: c.code })),
      labels: {
        code: t(loc, "order.code_label"),
        password: t(loc, "order.password_label"),
        copy: t(loc, "order.copy"),
      },
      footer: [plain(t(loc, "order.keep_safe"))],
    };
  }

  async function resend(s: Session, orderId: string): Promise<Reply[]> {
    if (!s.isPrivate) return deepLinkReply(s, "orders");
    const o = await ownOrder(s, orderId);
    if (!o) return [invalidButton(s)];
    const r = o.status === "DELIVERED" ? await codesReply(s, o, s.ctx) : null;
    if (!r) return [text(s, t(s, "orders.no_codes"), [menuRow(s)])];
    return [r];
  }

  async function balanceView(s: Session): Promise<Reply> {
    const bal = await ports.wallet.balance(s.ctx, { userId: s.user.id, currency });
    const parts = [t(s, "balance.text", { balance: money(s, bal, currency) })];
    if (s.caps.starsInvoices) {
      const stars = await ports.wallet.balance(s.ctx, { userId: s.user.id, currency: "XTR" });
      if (stars > 0n) parts.push(money(s, stars, "XTR"));
    }
    return text(s, parts.join(" · "), [[btn(t(s, "menu.topup"), { op: "topup_menu" }), ...menuRow(s)]]);
  }

  function topUpMenu(s: Session): Reply {
    if (!ports.payments) return text(s, t(s, "topup.unavailable"), [menuRow(s)]);
    const row = presets.map((a) => btn(money(s, a, currency), { op: "topup", amount: a, currency }));
    return text(s, t(s, "topup.title"), [row, menuRow(s)]);
  }

  // ------------------------------------------------------------------------------ lang and link
  function langMenu(s: Session, intro?: string): Reply {
    return text(s, lines(intro, t(s, "lang.choose")), [
      [btn("简体中文", { op: "lang", locale: "zh-CN" }), btn("English", { op: "lang", locale: "en" })],
    ]);
  }

  async function setLang(s: Session, locale: Locale): Promise<Reply[]> {
    await identity.setLocale(s.ctx, { userId: s.user.id, locale });
    const s2: Session = { ...s, locale, ctx: { ...s.ctx, locale } };
    return [mainMenu(s2, t(s2, "lang.set"))];
  }

  function linkMenu(s: Session): Reply {
    return text(s, t(s, "link.intro"), [
      [btn(t(s, "link.get_code"), { op: "link_new" }), btn(t(s, "link.enter_code"), { op: "link_enter" })],
      menuRow(s),
    ]);
  }

  async function newLinkCode(s: Session): Promise<Reply[]> {
    const { code: c } = await identity.createLinkCode(s.ctx, { userId: s.user.id });
    return [
      {
        kind: "text",
        body: lines(t(s, "link.code", { minutes: linkMinutes }), code(c), t(s, "link.code_howto", { code: c })),
        buttons: [menuRow(s)],
      },
    ];
  }

  async function linkPrompt(s: Session, problem?: string): Promise<Reply[]> {
    await setState(s, (cur) => ({ done: cur.done, step: { kind: "link_code" } }));
    return [
      {
        kind: "prompt",
        body: lines(problem, t(s, "link.prompt")),
        placeholder: t(s, "link.placeholder"),
        buttons: [[btn(t(s, "common.cancel"), { op: "cancel" })]],
      },
    ];
  }

  async function consumeLink(s: Session, raw: string): Promise<Reply[]> {
    // Merging away an account with orders or money would orphan them: link in the other direction.
    const [orders, bal] = await Promise.all([
      ports.orders.listForUser(s.ctx, { userId: s.user.id, limit: 1 }),
      ports.wallet.balance(s.ctx, { userId: s.user.id, currency }),
    ]);
    if (orders.length || bal > 0n) {
      await clearFlow(s);
      return [text(s, t(s, "link.has_history"), [menuRow(s)])];
    }
    const res = await identity.consumeLinkCode(s.ctx, {
      code: raw,
      channel: s.turn.channel,
      externalId: s.turn.from.externalId,
    });
    if (!res.ok) {
      switch (res.code) {
        case "same_user":
          await clearFlow(s);
          return [text(s, t(s, "link.same_user"), [menuRow(s)])];
        case "expired":
          return linkPrompt(s, t(s, "link.expired"));
        case "already_used":
          return linkPrompt(s, t(s, "link.already_used"));
        // Not a code we issued, or this chat's identity is unknown to it: the buyer can only try another code.
        case "invalid_code":
        case "unknown_identity":
          return linkPrompt(s, t(s, "link.invalid_code"));
        default:
          return assertExhaustive(res.code, "link failure");
      }
    }
    await conversations.clear(s.ctx, s.key);
    // This chat now belongs to the code's user: from here on the buyer is that user.
    const linked = asBuyer(s.ctx, res.userId);
    const user = await identity.getUser(linked, res.userId);
    const s2: Session = {
      ...s,
      user,
      locale: user.locale,
      ctx: { ...linked, locale: user.locale },
      key: { ...s.key, userId: user.id },
    };
    return [mainMenu(s2, t(s2, "link.ok"))];
  }

  return {
    ordersView,
    ownOrder,
    orderDetail,
    codesReply,
    resend,
    balanceView,
    topUpMenu,
    langMenu,
    setLang,
    linkMenu,
    newLinkCode,
    linkPrompt,
    consumeLink,
  };
}
