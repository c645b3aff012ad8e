import type { Product, QuoteResult, TargetResult } from "../../core/catalog/index.ts";
import type { PlaceOrderResult } from "../../core/flows/index.ts";
import { parseMainlandMobile } from "../../core/catalog/index.ts";
import { assertExhaustive, isDomainError } from "../../core/shared/index.ts";
import type { MessageKey } from "../i18n/index.ts";
import type { ButtonRows, InboundTurn, Reply } from "../turn.ts";
import { bold, plain } from "../turn.ts";
import type { Order } from "../../core/orders/index.ts";
import type { StarsInvoicePayment, StarsPorts } from "./ports.ts";
import type { Pending, Session } from "./shop-bot.types.ts";
import { UUID_RE, type Kit } from "./shop-kit.ts";
import type { createBrowse } from "./browse.ts";

/** A recharge target refused while validating it, or when placing the order (same codes). */
type TargetRefusal =
  | Extract<TargetResult, { ok: false }>
  | Extract<PlaceOrderResult, { code: Extract<TargetResult, { ok: false }>["code"] }>;

/** A confirmation (and its Pay button) stays valid this long; after that the buyer starts again. */
export const PENDING_TTL_MS = 2 * 60 * 60_000;

/** Buying: quantity, recharge target, confirmation, wallet payment, top-up, Telegram Stars. */
export function createBuy(k: Kit, browse: ReturnType<typeof createBrowse>) {
  const {
    ports,
    clock,
    nonce,
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
    priceFor,
    quote,
    shopOf,
    invalidButton,
  } = k;
  const { productCard } = browse;

  // -------------------------------------------------------------------------- buying: quantity
  function parseQuantity(raw: string): { ok: true; n: number } | { ok: false; kind: "nan" | "small" | "large" } {
    const v = raw
      .normalize("NFKC")
      .trim()
      .replace(/[,_\s]/g, "");
    if (!/^[+-]?\d{1,30}$/.test(v)) return { ok: false, kind: "nan" };
    const n = BigInt(v);
    if (n < 1n) return { ok: false, kind: "small" };
    if (n > 1_000_000n) return { ok: false, kind: "large" };
    return { ok: true, n: Number(n) };
  }

  async function chooseQuantity(s: Session, p: Product, quantity: number): Promise<Reply[]> {
    const limits = { min: p.minQty, max: p.maxQty };
    if (quantity < p.minQty) return [quantityPrompt(s, p, t(s, "qty.too_small", limits))];
    if (quantity > p.maxQty) return [quantityPrompt(s, p, t(s, "qty.too_large", limits))];
    const available = await availableOf(s, p);
    // 补单: a backorder product takes the order whatever the stock (it waits for a restock).
    if (available !== null && available < quantity && !p.acceptBackorders)
      return notEnoughStock(s, p, available, "qty.not_enough_stock");
    if (p.deliveryKind === "DIRECT") {
      const offered = (await getState(s)).offered;
      if (offered?.productIds.includes(p.id)) {
        // Picked in place of a product that did not fit this number: top up the number already given.
        const v = await ports.catalog.validateTarget(s.ctx, { productId: p.id, target: offered.target });
        if (v.ok) return makeConfirmation(s, p, quantity, v.target ?? offered.target);
      }
      const price = await priceFor(s, p);
      await setState(s, (cur) => ({
        done: cur.done,
        step: { kind: "target", productId: p.id, version: p.version, price: price.toString(), quantity },
      }));
      return [targetPrompt(s, p)];
    }
    return makeConfirmation(s, p, quantity, null);
  }

  function quantityPrompt(s: Session, p: Product, problem?: string, range = { min: p.minQty, max: p.maxQty }): Reply {
    return {
      kind: "prompt",
      body: lines(problem, t(s, "qty.prompt", range)),
      placeholder: t(s, "qty.placeholder"),
      buttons: [[btn(t(s, "common.cancel"), { op: "cancel" })]],
    };
  }

  /**
   * Asks for a quantity within `range` and makes the conversation wait for it, so the number the buyer
   * types next is read as the quantity (whatever step the conversation was at, e.g. a confirmation).
   */
  async function askQuantity(
    s: Session,
    p: Product,
    problem: string,
    range: { min: number; max: number },
    shownPrice?: string,
  ): Promise<Reply> {
    const price = shownPrice ?? (await priceFor(s, p)).toString();
    await setState(s, (cur) => ({
      done: cur.done,
      step: { kind: "quantity", productId: p.id, version: p.version, price },
    }));
    return quantityPrompt(s, p, problem, range);
  }

  /** Fewer codes left than asked for: ask again within 1–available (the card when none can be bought). */
  async function notEnoughStock(
    s: Session,
    p: Product,
    available: number,
    key: "qty.not_enough_stock" | "order.out_of_stock",
    shownPrice?: string,
  ): Promise<Reply[]> {
    const max = Math.min(p.maxQty, available);
    if (max < p.minQty) return productCard(s, p);
    return [await askQuantity(s, p, t(s, key, { available }), { min: p.minQty, max }, shownPrice)];
  }

  function targetPrompt(s: Session, p: Product, problem?: string): Reply {
    const mobile = p.targetKind === "MOBILE";
    const ask = mobile
      ? p.carrier
        ? t(s, "target.prompt_mobile_carrier", { carrier: t(s, `carrier.${p.carrier}` as MessageKey) })
        : t(s, "target.prompt_mobile")
      : t(s, "target.prompt_account");
    return {
      kind: "prompt",
      body: lines(problem, ask),
      placeholder: t(s, mobile ? "target.placeholder_mobile" : "target.placeholder_account"),
      buttons: [[btn(t(s, "common.cancel"), { op: "cancel" })]],
    };
  }

  function targetProblem(s: Session, r: TargetRefusal, input: string): string {
    const shown = input.slice(0, 40);
    switch (r.code) {
      case "target_required":
        return t(s, "target.required");
      case "invalid_mobile":
        return t(s, "target.invalid_mobile", { input: shown });
      case "wrong_carrier":
        return t(s, "target.wrong_carrier", {
          input: shown,
          got: t(s, `carrier.${r.got}` as MessageKey),
          expected: t(s, `carrier.${r.expected}` as MessageKey),
        });
      case "invalid_account":
        return t(s, "target.invalid_account", { input: shown });
    }
  }

  /**
   * A number of another carrier than the product's: say so and offer the products that do top up
   * that number; picking one goes straight to its confirmation for the same number.
   */
  async function offerFitting(
    s: Session,
    p: Product,
    r: Extract<TargetResult, { code: "wrong_carrier" }>,
    input: string,
  ): Promise<Reply[]> {
    const problem = targetProblem(s, r, input);
    const parsed = parseMainlandMobile(input);
    const fitting = parsed.ok
      ? (await ports.catalog.listProducts(s.ctx, {}))
          .filter(
            (x) =>
              x.id !== p.id &&
              x.deliveryKind === "DIRECT" &&
              x.targetKind === "MOBILE" &&
              (x.carrier === null || x.carrier === parsed.carrier),
          )
          .slice(0, 8)
      : [];
    if (!parsed.ok || fitting.length === 0) return [targetPrompt(s, p, problem)];
    await setState(s, (cur) => ({ ...cur, offered: { target: parsed.number, productIds: fitting.map((x) => x.id) } }));
    return [
      {
        kind: "prompt",
        placeholder: t(s, "target.placeholder_mobile"),
        body: lines(
          problem,
          t(s, "target.fitting_products", { got: t(s, `carrier.${r.got}` as MessageKey), input: parsed.number }),
        ),
        buttons: [...(await browse.productRows(s, fitting)), [btn(t(s, "common.cancel"), { op: "cancel" })]],
      },
    ];
  }

  // ---------------------------------------------------------------------- buying: confirmation
  async function makeConfirmation(s: Session, p: Product, quantity: number, target: string | null, prefix?: string) {
    const shop = await shopOf(s);
    const q = await quote(s, p, quantity, shop?.id ?? null);
    if (!q.ok) return quoteProblem(s, p, q);
    const pending: Pending = {
      nonce: nonce(),
      productId: p.id,
      version: q.productVersion,
      quantity,
      target,
      unitPrice: q.unitPrice.toString(),
      total: q.total.toString(),
      currency: q.currency,
      at: clock.now().toISOString(),
      ...(shop ? { shopId: shop.id, shopName: shop.name } : {}),
    };
    await setState(s, (cur) => ({ done: cur.done, step: { kind: "confirm" }, pending }));
    return [await confirmationView(s, p, pending, prefix)];
  }

  async function quoteProblem(
    s: Session,
    p: Product,
    q: Extract<QuoteResult, { ok: false }>,
    shownPrice?: string,
  ): Promise<Reply[]> {
    switch (q.code) {
      case "quantity_out_of_range":
        return [await limitsChanged(s, p, q, shownPrice)];
      case "product_unavailable":
        await clearFlow(s);
        return [text(s, t(s, "confirm.gone"), [[btn(t(s, "menu.shop"), { op: "categories" })], menuRow(s)])];
      default:
        return assertExhaustive(q, "quote failure");
    }
  }

  function limitsChanged(s: Session, p: Product, limits: { min: number; max: number }, shownPrice?: string) {
    const range = { min: limits.min, max: limits.max };
    return askQuantity(s, p, t(s, "confirm.limits_changed", range), range, shownPrice);
  }

  async function confirmationView(s: Session, p: Product, pd: Pending, prefix?: string): Promise<Reply> {
    const total = BigInt(pd.total);
    // Telegram: Stars pay for any product (priced in Stars, or at the configured rate), whatever the balance.
    const stars = s.caps.starsInvoices ? (ports.payments?.stars?.quote(total, pd.currency) ?? null) : null;
    const balance = await ports.wallet.balance(s.ctx, { userId: s.user.id, currency: pd.currency });
    const body = lines(
      prefix,
      bold(t(s, "confirm.title")),
      pd.shopName ? t(s, "shopctx.line", { shop: pd.shopName }) : null,
      t(s, "confirm.line_product", { name: pname(s, p), quantity: pd.quantity }),
      pd.target ? t(s, "confirm.line_target", { target: pd.target }) : null,
      bold(t(s, "confirm.line_total", { total: priceText(s, total, pd.currency) })),
      t(s, "confirm.line_balance", { balance: money(s, balance, pd.currency) }),
    );
    const rows: ButtonRows = [];
    if (balance >= total) {
      rows.push([
        btn(t(s, "confirm.pay_wallet", { total: money(s, total, pd.currency) }), { op: "confirm", nonce: pd.nonce }),
      ]);
    } else {
      const short = total - balance;
      body.push(plain("\n"), plain(t(s, "confirm.short", { shortfall: money(s, short, pd.currency) })));
      if (ports.payments)
        rows.push([
          btn(t(s, "confirm.topup", { amount: money(s, short, pd.currency) }), { op: "topup_for", nonce: pd.nonce }),
        ]);
      if (stars === null && s.caps.starsInvoices && pd.currency === "XTR" && ports.payments?.confirmStars)
        rows.push([
          btn(t(s, "confirm.pay_stars", { amount: money(s, total, "XTR") }), { op: "stars_for", nonce: pd.nonce }),
        ]);
    }
    if (stars !== null)
      rows.push([
        btn(t(s, "confirm.pay_stars", { amount: money(s, stars, "XTR") }), { op: "stars_for", nonce: pd.nonce }),
      ]);
    rows.push([btn(t(s, "common.cancel"), { op: "cancel" })]);
    return text(s, body, rows);
  }

  /** Takes the pending confirmation if `nonce` is still the live one. */
  async function pendingFor(s: Session, n: string): Promise<{ pending: Pending } | { doneOrder: string } | null> {
    const st = await getState(s);
    if (st.pending?.nonce === n) {
      const age = st.pending.at ? clock.now().getTime() - Date.parse(st.pending.at) : 0;
      return age <= PENDING_TTL_MS ? { pending: st.pending } : null;
    }
    const done = st.done?.find((d) => d.nonce === n);
    return done ? { doneOrder: done.orderId } : null;
  }

  async function alreadyPlaced(s: Session, orderId: string): Promise<Reply[]> {
    return [
      text(s, t(s, "confirm.already_placed", { order: await labelOf(s, orderId) }), [
        [btn(t(s, "menu.orders"), { op: "order", orderId })],
        menuRow(s),
      ]),
    ];
  }

  /** Re-quotes a pending confirmation; a changed price or product yields a fresh confirmation instead. */
  async function revalidate(
    s: Session,
    pd: Pending,
  ): Promise<{ ok: true; product: Product } | { ok: false; replies: Reply[] }> {
    const p = await ports.catalog.getProduct(s.ctx, pd.productId);
    if (!p || !p.active) {
      await clearFlow(s);
      return {
        ok: false,
        replies: [text(s, t(s, "confirm.gone"), [[btn(t(s, "menu.shop"), { op: "categories" })], menuRow(s)])],
      };
    }
    const q = await quote(s, p, pd.quantity, pd.shopId ?? null);
    if (!q.ok) return { ok: false, replies: await quoteProblem(s, p, q, pd.unitPrice) };
    if (q.productVersion !== pd.version || q.total.toString() !== pd.total || q.currency !== pd.currency) {
      const old = BigInt(pd.total);
      const msg =
        q.total !== old
          ? t(s, "confirm.price_changed", { old: money(s, old, pd.currency), new: money(s, q.total, q.currency) })
          : t(s, "confirm.changed");
      return { ok: false, replies: await makeConfirmation(s, p, pd.quantity, pd.target, msg) };
    }
    return { ok: true, product: p };
  }

  async function finishPending(s: Session, n: string, orderId: string): Promise<void> {
    await setState(s, (cur) => ({
      done: [{ nonce: n, orderId }, ...(cur.done ?? []).filter((d) => d.nonce !== n)].slice(0, 5),
      ...(cur.pending && cur.pending.nonce !== n ? { pending: cur.pending, step: cur.step } : {}),
    }));
  }

  async function confirm(s: Session, n: string): Promise<Reply[]> {
    const found = await pendingFor(s, n);
    if (!found) return [invalidButton(s)];
    if ("doneOrder" in found) return alreadyPlaced(s, found.doneOrder);
    const pd = found.pending;
    const v = await revalidate(s, pd);
    if (!v.ok) return v.replies;
    const res = await ports.orders.place(s.ctx, {
      userId: s.user.id,
      productId: pd.productId,
      quantity: pd.quantity,
      target: pd.target,
      idempotencyKey: `chat:${n}`,
      payWith: "wallet",
      ...(pd.shopId ? { shopId: pd.shopId } : {}),
      ...(s.turn.client ? { client: s.turn.client } : {}),
    });
    if (res.ok) {
      await finishPending(s, n, res.order.id);
      if (res.replayed) return alreadyPlaced(s, res.order.id);
      const total = money(s, res.order.total, res.order.currency);
      const order = await labelOf(s, res.order.id);
      const msg =
        res.order.status === "HELD_FOR_REVIEW"
          ? t(s, "order.held_for_review", { total, order })
          : res.order.status === "AWAITING_STOCK"
            ? t(s, "order.awaiting_stock", { total, order, name: pname(s, v.product) })
            : v.product.deliveryKind === "DIRECT"
              ? t(s, "order.placed_wallet_direct", { total, order, target: res.order.target ?? "" })
              : t(s, "order.placed_wallet", { total, order });
      const shopLine = pd.shopName ? t(s, "shopctx.line", { shop: pd.shopName }) : null;
      return [
        text(s, lines(shopLine, msg), [[btn(t(s, "menu.orders"), { op: "order", orderId: res.order.id })], menuRow(s)]),
      ];
    }
    return placeRefused(s, v.product, pd, res);
  }

  /** What the buyer hears when placing the pending order was refused; every failure code has its answer. */
  async function placeRefused(
    s: Session,
    p: Product,
    pd: Pending,
    res: Extract<PlaceOrderResult, { ok: false }>,
  ): Promise<Reply[]> {
    switch (res.code) {
      case "insufficient_funds":
        return [await confirmationView(s, p, pd, t(s, "order.insufficient"))];
      case "out_of_stock":
        return notEnoughStock(s, p, res.available, "order.out_of_stock", pd.unitPrice);
      case "quantity_out_of_range":
        return [await limitsChanged(s, p, res, pd.unitPrice)];
      case "product_unavailable":
        await clearFlow(s);
        return [text(s, t(s, "confirm.gone"), [menuRow(s)])];
      case "order_blocked":
        await clearFlow(s);
        return [text(s, t(s, "order.blocked", { reference: res.reference }), [menuRow(s)])];
      case "kyc_required":
        await clearFlow(s);
        return [text(s, t(s, "order.kyc_required", { reference: res.reference }), [menuRow(s)])];
      case "target_required":
      case "invalid_mobile":
      case "wrong_carrier":
      case "invalid_account":
        await setState(s, (cur) => ({
          done: cur.done,
          step: { kind: "target", productId: p.id, version: p.version, price: pd.unitPrice, quantity: pd.quantity },
        }));
        return [targetPrompt(s, p, targetProblem(s, res, pd.target ?? ""))];
      default:
        return assertExhaustive(res, "place-order failure");
    }
  }

  async function topUpFor(s: Session, n: string): Promise<Reply[]> {
    const found = await pendingFor(s, n);
    if (!found || "doneOrder" in found) return [invalidButton(s)];
    const pd = found.pending;
    const v = await revalidate(s, pd);
    if (!v.ok) return v.replies;
    const balance = await ports.wallet.balance(s.ctx, { userId: s.user.id, currency: pd.currency });
    const short = BigInt(pd.total) - balance;
    if (short <= 0n) return [await confirmationView(s, v.product, pd)];
    return startTopUp(s, short, pd.currency, `topup:${n}:${short}`);
  }

  async function startTopUp(s: Session, amount: bigint, cur: string, idempotencyKey: string): Promise<Reply[]> {
    if (!ports.payments) return [text(s, t(s, "topup.unavailable"), [menuRow(s)])];
    let checkoutUrl: string;
    try {
      ({ checkoutUrl } = await ports.payments.startTopUp(s.ctx, {
        userId: s.user.id,
        amount,
        currency: cur,
        idempotencyKey,
      }));
    } catch (e) {
      // Risk refused the top-up before any checkout (docs/risk.md): the buyer gets the reference.
      if (!isDomainError(e) || (e.code !== "topup_refused" && e.code !== "topup_kyc_required")) throw e;
      const reference = String(e.details?.reference ?? "");
      const key = e.code === "topup_kyc_required" ? "topup.kyc_required" : "topup.refused";
      return [text(s, t(s, key, { reference }), [menuRow(s)])];
    }
    const shown = money(s, amount, cur);
    return [
      {
        kind: "text",
        body: [plain(t(s, "topup.link", { amount: shown }))],
        buttons: [[{ kind: "url", label: t(s, "topup.open", { amount: shown }), url: checkoutUrl }], menuRow(s)],
      },
    ];
  }

  async function starsFor(s: Session, n: string): Promise<Reply[]> {
    const starsPort = ports.payments?.stars;
    if (!s.caps.starsInvoices || !(starsPort ?? ports.payments?.confirmStars)) return [invalidButton(s)];
    const found = await pendingFor(s, n);
    if (!found || "doneOrder" in found) return [invalidButton(s)];
    const pd = found.pending;
    if (starsPort ? starsPort.quote(BigInt(pd.total), pd.currency) === null : pd.currency !== "XTR")
      return [invalidButton(s)];
    const v = await revalidate(s, pd);
    if (!v.ok) return v.replies;
    const res = await ports.orders.place(s.ctx, {
      userId: s.user.id,
      productId: pd.productId,
      quantity: pd.quantity,
      target: pd.target,
      idempotencyKey: `stars:${n}`,
      payWith: "later",
      ...(pd.shopId ? { shopId: pd.shopId } : {}),
    });
    if (!res.ok) return placeRefused(s, v.product, pd, res);
    await finishPending(s, n, res.order.id);
    const name = pname(s, v.product);
    if (starsPort) return starsInvoice(s, starsPort, res.order, name);
    return [
      {
        kind: "invoice",
        title: t(s, "stars.invoice_title", { name, quantity: pd.quantity }).slice(0, 32),
        description: t(s, "stars.invoice_description", { order: await labelOf(s, res.order.id) }).slice(0, 255),
        payload: `o:${res.order.id}`,
        currency: "XTR",
        amount: res.order.total,
        label: `${name} × ${pd.quantity}`,
      },
    ];
  }

  /** The invoice for a placed (CREATED) order: a PENDING Stars payment at today's rate, its id in the payload. */
  async function starsInvoice(s: Session, starsPort: StarsPorts, order: Order, name: string): Promise<Reply[]> {
    const pay = await starsPort.start(s.ctx, {
      userId: s.user.id,
      orderId: order.id,
      amount: order.total,
      currency: order.currency,
    });
    if (!pay) return [invalidButton(s)];
    const short = await labelOf(s, order.id);
    const description =
      order.currency === "XTR"
        ? t(s, "stars.invoice_description", { order: short })
        : t(s, "stars.invoice_price", {
            order: short,
            price: money(s, order.total, order.currency),
            stars: money(s, pay.stars, "XTR"),
            rate: rateOf(pay),
          });
    return [
      {
        kind: "invoice",
        title: t(s, "stars.invoice_title", { name, quantity: order.quantity }).slice(0, 32),
        description: description.slice(0, 255),
        payload: `s:${pay.paymentId}`,
        currency: "XTR",
        amount: pay.stars,
        label: `${name} × ${order.quantity}`,
      },
    ];
  }

  /** The rate an invoice was priced at, as Stars per major unit ("11"), from its payment. */
  function rateOf(pay: StarsInvoicePayment): string {
    return pay.rate ?? "1";
  }

  function paymentFromPayload(payload: string): string | null {
    const m = /^s:([0-9a-f-]{36})$/i.exec(payload);
    return m && UUID_RE.test(m[1]!) ? m[1]!.toLowerCase() : null;
  }

  /**
   * Pre-checkout of an `s:` invoice: approved only while its payment is unpaid, its order is still waiting
   * for payment (not expired), the product is on sale and the Stars asked are still the order's Stars
   * price at the configured rate; otherwise refused with what went wrong (Telegram shows it; nothing is charged).
   */
  async function starsPrecheckout(
    s: Session,
    input: Extract<InboundTurn["input"], { kind: "precheckout" }>,
    paymentId: string,
  ): Promise<Reply[]> {
    const answer = (error?: string): Reply[] => [
      { kind: "answer_precheckout", queryId: input.queryId, ok: error === undefined, ...(error ? { error } : {}) },
    ];
    const starsPort = ports.payments?.stars;
    const pay = starsPort ? await starsPort.get(s.ctx, paymentId) : null;
    if (!starsPort || !pay || pay.userId !== s.user.id) return answer(t(s, "stars.not_payable"));
    if (pay.status === "SUCCEEDED" || pay.status === "REFUNDED") return answer(t(s, "stars.already_paid"));
    let o: Order;
    try {
      o = await ports.orders.get(s.ctx, { orderId: pay.orderId });
    } catch (e) {
      if (!isDomainError(e)) throw e;
      return answer(t(s, "stars.not_payable"));
    }
    if (o.status === "PAID" || o.status === "FULFILLING" || o.status === "AWAITING_STOCK" || o.status === "DELIVERED")
      return answer(t(s, "stars.already_paid"));
    if (o.status !== "CREATED" || o.expiresAt.getTime() <= clock.now().getTime())
      return answer(t(s, "stars.invoice_stale"));
    const p = await ports.catalog.getProduct(s.ctx, o.productId);
    if (!p?.active) return answer(t(s, "stars.invoice_stale"));
    const now = starsPort.quote(o.total, o.currency);
    if (
      input.currency !== "XTR" ||
      input.amount !== pay.stars ||
      now !== pay.stars ||
      pay.credit.amount !== o.total ||
      pay.credit.currency !== o.currency
    )
      return answer(
        t(s, "stars.price_changed", {
          old: money(s, input.amount, "XTR"),
          new: now === null ? "—" : money(s, now, "XTR"),
        }),
      );
    return answer();
  }

  /** A successful payment of an `s:` invoice: credit the order's price once per charge, then pay the order. */
  async function starsPayment(
    s: Session,
    input: Extract<InboundTurn["input"], { kind: "payment" }>,
    paymentId: string,
  ): Promise<Reply[]> {
    const starsPort = ports.payments?.stars;
    if (!starsPort) return [text(s, t(s, "common.error"))];
    const pay = await starsPort.confirm(s.ctx, {
      userId: s.user.id,
      paymentId,
      chargeId: input.chargeId,
      amount: input.amount,
      currency: input.currency,
    });
    const res = await ports.orders.markPaid(s.ctx, { orderId: pay.orderId, paymentId: input.chargeId });
    const stars = money(s, input.amount, "XTR");
    if (res.ok)
      return [
        text(
          s,
          res.order.currency === "XTR"
            ? t(s, "stars.paid", { order: await labelOf(s, pay.orderId) })
            : t(s, "stars.paid_credit", {
                stars,
                price: money(s, res.order.total, res.order.currency),
                order: await labelOf(s, pay.orderId),
              }),
          [[btn(t(s, "menu.orders"), { op: "order", orderId: pay.orderId })]],
        ),
      ];
    switch (res.code) {
      // The charge stays credited to the wallet (in the order's currency): say so with the balance.
      case "insufficient_funds":
      case "order_not_payable":
      case "order_expired": {
        const cur = pay.credit.currency;
        const balance = await ports.wallet.balance(s.ctx, { userId: s.user.id, currency: cur });
        return [text(s, t(s, "stars.credited_instead", { stars, balance: money(s, balance, cur) }), [menuRow(s)])];
      }
      default:
        return assertExhaustive(res, "pay-order failure");
    }
  }

  function orderFromPayload(payload: string): string | null {
    const m = /^o:([0-9a-f-]{36})$/i.exec(payload);
    return m && UUID_RE.test(m[1]!) ? m[1]!.toLowerCase() : null;
  }

  async function precheckout(
    s: Session,
    input: Extract<InboundTurn["input"], { kind: "precheckout" }>,
  ): Promise<Reply[]> {
    const paymentId = paymentFromPayload(input.invoicePayload);
    if (paymentId) return starsPrecheckout(s, input, paymentId);
    const no = (): Reply[] => [
      { kind: "answer_precheckout", queryId: input.queryId, ok: false, error: t(s, "stars.not_payable") },
    ];
    const orderId = orderFromPayload(input.invoicePayload);
    if (!orderId) return no();
    try {
      const o = await ports.orders.get(s.ctx, { orderId });
      const payable =
        o.status === "CREATED" &&
        o.expiresAt.getTime() > clock.now().getTime() &&
        o.total === input.amount &&
        o.currency === input.currency;
      if (payable && o.productId) {
        const p = await ports.catalog.getProduct(s.ctx, o.productId);
        if (p?.active) return [{ kind: "answer_precheckout", queryId: input.queryId, ok: true }];
      }
    } catch (e) {
      if (!isDomainError(e)) throw e;
    }
    return no();
  }

  async function payment(s: Session, input: Extract<InboundTurn["input"], { kind: "payment" }>): Promise<Reply[]> {
    const paymentId = paymentFromPayload(input.invoicePayload);
    if (paymentId) return starsPayment(s, input, paymentId);
    const orderId = orderFromPayload(input.invoicePayload);
    if (!orderId || !ports.payments?.confirmStars) return [text(s, t(s, "common.error"))];
    // Credit first (idempotent on the charge id), then pay the order from that balance.
    await ports.payments.confirmStars(s.ctx, {
      userId: s.user.id,
      orderId,
      chargeId: input.chargeId,
      amount: input.amount,
      currency: input.currency,
    });
    const res = await ports.orders.markPaid(s.ctx, { orderId, paymentId: input.chargeId });
    if (res.ok)
      return [
        text(s, t(s, "stars.paid", { order: await labelOf(s, orderId) }), [
          [btn(t(s, "menu.orders"), { op: "order", orderId })],
        ]),
      ];
    switch (res.code) {
      // The Stars stay credited to the wallet: say so with the balance.
      case "insufficient_funds":
      case "order_not_payable":
      case "order_expired": {
        const balance = await ports.wallet.balance(s.ctx, { userId: s.user.id, currency: input.currency });
        return [
          text(
            s,
            lines(t(s, "stars.not_payable"), t(s, "balance.text", { balance: money(s, balance, input.currency) })),
            [menuRow(s)],
          ),
        ];
      }
      default:
        return assertExhaustive(res, "pay-order failure");
    }
  }

  return {
    parseQuantity,
    chooseQuantity,
    quantityPrompt,
    askQuantity,
    targetPrompt,
    targetProblem,
    offerFitting,
    makeConfirmation,
    quoteProblem,
    confirmationView,
    pendingFor,
    alreadyPlaced,
    revalidate,
    finishPending,
    confirm,
    placeRefused,
    topUpFor,
    startTopUp,
    starsFor,
    orderFromPayload,
    precheckout,
    payment,
  };
}
