import { parseLocaleChoice } from "../../core/identity/index.ts";
import type { CoreContext } from "../../core/shared/index.ts";
import { buyerActor, isDomainError, type Actor } from "../../core/shared/index.ts";
import { createWithdraw } from "../distributor/withdraw-bot.ts";
import { isTimeZone, type MessageKey } from "../i18n/index.ts";
import type { InboundTurn, Reply } from "../turn.ts";
import { plain, safeForChat } from "../turn.ts";
import { createAccount } from "./account.ts";
import { createBrowse } from "./browse.ts";
import { createBuy } from "./buy.ts";
import { createAgentScreens, isAgentStep } from "../distributor/index.ts";
import type { Action } from "./callback-data.ts";
import { createEvents } from "./events.ts";
import { createSearch } from "./search.ts";
import { createShopLink, isShopPayload } from "./shop-link.ts";
import { createVerify } from "./verify.ts";
import type { Session, ShopBot, ShopBotDeps } from "./shop-bot.types.ts";
import { createKit, defaultCaps, MAX_TEXT, ShopClosed, UUID_RE } from "./shop-kit.ts";

export type { Session, ShopBot, ShopBotDeps, ShopBotLogger, ShopState } from "./shop-bot.types.ts";
export { orderLabel } from "./shop-kit.ts";

/**
 * The consumer shop bot: a pure function of (turn, deps) → Reply[] plus durable state writes
 * (conversation_states via core/conversations). No process memory, no platform SDK.
 *
 * Flow: /start → categories → products (buyer's price, stock) → product card → quantity (buttons or
 * text) → DIRECT: recharge target → confirmation (total, balance) → pay from wallet, or top up
 * (sandbox checkout link) / Telegram Stars invoice → progress + private code delivery via
 * `onDomainEvent`. Buttons are signed and carry the product version and price, so stale or forged
 * presses are re-checked or refused. The confirm button carries a per-confirmation nonce that is the
 * order's idempotency key: double taps and a second device never buy twice.
 */
/** Before the chat user is resolved to one of ours, the bot may only look them up. */
const VISITOR: Actor = { kind: "visitor" };

export function createShopBot(deps: ShopBotDeps): ShopBot {
  const k = createKit(deps);
  const defaultTimeZone = deps.timeZone ?? "Asia/Shanghai";
  const {
    ports,
    identity,
    codec,
    currency,
    presets,
    t,
    pname,
    text,
    menuRow,
    getState,
    setState,
    clearFlow,
    priceFor,
    deepLinkReply,
    mainMenu,
    invalidButton,
  } = k;
  // Browsing and buying lead into each other: a product with one possible quantity goes straight on.
  let buy: ReturnType<typeof createBuy> | undefined;
  const browse = createBrowse(k, { buyQuantity: (s, p, q) => buy!.chooseQuantity(s, p, q) });
  const { categoriesView, productsView, productCard, recheck } = browse;
  const {
    parseQuantity,
    chooseQuantity,
    quantityPrompt,
    targetPrompt,
    targetProblem,
    offerFitting,
    makeConfirmation,
    confirmationView,
    confirm,
    topUpFor,
    startTopUp,
    starsFor,
    precheckout,
    payment,
  } = (buy = createBuy(k, browse));
  const search = createSearch(k, browse);
  const account = createAccount(k);
  const {
    ordersView,
    orderDetail,
    resend,
    balanceView,
    topUpMenu,
    langMenu,
    setLang,
    linkMenu,
    newLinkCode,
    linkPrompt,
    consumeLink,
  } = account;
  const { onDomainEvent, prepareEvents } = createEvents(k, account);
  const verify = createVerify(k);
  const shopLink = createShopLink(k, browse);
  const agent = createAgentScreens(k);
  const withdraw = createWithdraw(k);

  // ------------------------------------------------------------------------------------ routing
  const PRIVATE_ONLY = new Set<Action["op"]>([
    "qty",
    "confirm",
    "topup_for",
    "stars_for",
    "orders",
    "order",
    "resend",
    "balance",
    "topup_menu",
    "topup",
    "link_menu",
    "link_new",
    "link_enter",
    "notify",
    "cancel",
  ]);

  async function onAction(s: Session, a: Action): Promise<Reply[]> {
    if (!s.isPrivate && PRIVATE_ONLY.has(a.op))
      return deepLinkReply(s, a.op === "qty" || a.op === "notify" ? `buy_${a.productId}` : "start");
    switch (a.op) {
      case "menu":
        return [mainMenu(s)];
      case "categories":
        return [await categoriesView(s)];
      case "category":
        return [await productsView(s, a.categoryId)];
      case "product": {
        const r = await recheck(s, a.productId, a.version, a.price);
        return r.ok ? productCard(s, r.product) : r.replies;
      }
      case "qty": {
        const r = await recheck(s, a.productId, a.version, a.price);
        if (!r.ok) return r.replies;
        if (a.quantity === null) {
          const price = a.price ?? (await priceFor(s, r.product));
          await setState(s, (cur) => ({
            done: cur.done,
            step: { kind: "quantity", productId: r.product.id, version: r.product.version, price: price.toString() },
          }));
          return [quantityPrompt(s, r.product)];
        }
        return chooseQuantity(s, r.product, a.quantity);
      }
      case "confirm":
        return confirm(s, a.nonce);
      case "topup_for":
        return topUpFor(s, a.nonce);
      case "stars_for":
        return starsFor(s, a.nonce);
      case "cancel":
        await clearFlow(s);
        return [mainMenu(s, t(s, "common.cancelled"))];
      case "orders":
        return [await ordersView(s)];
      case "order":
        return orderDetail(s, a.orderId);
      case "resend":
        return resend(s, a.orderId);
      case "balance":
        return [await balanceView(s)];
      case "topup_menu":
        return [topUpMenu(s)];
      case "topup":
        if (a.currency !== currency || !presets.includes(a.amount)) return [invalidButton(s)];
        return startTopUp(s, a.amount, a.currency, `topup:${s.turn.channel}:${s.turn.id}`);
      case "help":
        return [text(s, t(s, "help.text"), [menuRow(s)])];
      case "lang_menu":
        return [langMenu(s)];
      case "lang":
        return setLang(s, a.locale);
      case "link_menu":
        return [linkMenu(s)];
      case "link_new":
        return newLinkCode(s);
      case "link_enter":
        return linkPrompt(s);
      case "notify": {
        const p = await ports.catalog.getProduct(s.ctx, a.productId);
        if (!p) return [invalidButton(s)];
        await ports.stock.subscribeRestock(s.ctx, { userId: s.user.id, productId: p.id, channel: s.turn.channel });
        return [text(s, t(s, "shop.notify_ok", { name: pname(s, p) }), [menuRow(s)])];
      }
    }
  }

  async function onCommand(s: Session, command: string, payload: string): Promise<Reply[]> {
    switch (command) {
      case "start": {
        if (isShopPayload(payload)) return shopLink.open(s, payload);
        // Outside a shop's link the buyer's first-touch shop applies (docs/distribution.md).
        await shopLink.leave(s);
        if (payload) await identity.recordStartPayload(s.ctx, { userId: s.user.id, payload });
        const buy = /^buy_([0-9a-f-]{36})$/i.exec(payload)?.[1];
        if (buy && UUID_RE.test(buy)) {
          const p = await ports.catalog.getProduct(s.ctx, buy.toLowerCase());
          if (p?.active) return productCard(s, p);
        }
        if (payload === "orders" && s.isPrivate) return [await ordersView(s)];
        if (payload === "verify" && s.isPrivate) return verify.start(s);
        if (payload === "agent" && s.isPrivate) return agent.command(s);
        if (payload === "withdraw" && s.isPrivate) return withdraw.start(s);
        const name = s.turn.from.displayName.slice(0, 64);
        const first = s.isPrivate ? "start.welcome" : "start.welcome_group";
        const welcome = t(s, s.returning ? "start.welcome_back" : first, { name });
        return [mainMenu(s, welcome)];
      }
      case "menu":
        return [mainMenu(s)];
      case "shop":
      case "buy":
        return [await categoriesView(s)];
      case "help":
        return [text(s, t(s, "help.text"), [menuRow(s)])];
      case "lang":
      case "language": {
        if (!payload) return [langMenu(s)];
        const l = parseLocaleChoice(payload);
        return l ? setLang(s, l) : [langMenu(s, t(s, "lang.unknown", { input: payload.slice(0, 20) }))];
      }
      case "cancel":
        await clearFlow(s);
        return [mainMenu(s, t(s, "common.cancelled"))];
      case "orders":
        return s.isPrivate ? [await ordersView(s)] : deepLinkReply(s, "orders");
      case "balance":
        return s.isPrivate ? [await balanceView(s)] : deepLinkReply(s, "start");
      case "topup":
        return s.isPrivate ? [topUpMenu(s)] : deepLinkReply(s, "start");
      case "verify":
        return verify.start(s);
      case "agent":
        return s.isPrivate ? agent.command(s) : deepLinkReply(s, "agent");
      case "withdraw":
        return withdraw.start(s);
      case "link":
        if (!s.isPrivate) return deepLinkReply(s, "start");
        return payload ? consumeLink(s, payload) : [linkMenu(s)];
      default:
        return [text(s, t(s, "common.unknown_command", { command: command.slice(0, 32) }), [menuRow(s)])];
    }
  }

  async function onText(s: Session, raw: string): Promise<Reply[]> {
    if (!s.isPrivate) return []; // the bot speaks in groups only when addressed (commands, buttons)
    const input = raw.slice(0, MAX_TEXT);
    const st = await getState(s);
    const step = st.step;
    if (step?.kind === "quantity" || step?.kind === "target") {
      const r = await recheck(s, step.productId, step.version, BigInt(step.price));
      if (!r.ok) return r.replies;
      const p = r.product;
      if (step.kind === "quantity") {
        const q = parseQuantity(input);
        const limits = { min: p.minQty, max: p.maxQty };
        if (!q.ok) {
          // A name instead of a number: the buyer is looking for another product.
          if (q.kind === "nan" && /\p{L}/u.test(input)) {
            const found = await search.find(s, input);
            if (found.length) return search.results(s, input, found);
          }
          const key: MessageKey =
            q.kind === "nan" ? "qty.not_a_number" : q.kind === "small" ? "qty.too_small" : "qty.too_large";
          return [quantityPrompt(s, p, t(s, key, { ...limits, input: input.trim().slice(0, 20) }))];
        }
        return chooseQuantity(s, p, q.n);
      }
      const target = input.trim();
      const v = await ports.catalog.validateTarget(s.ctx, { productId: p.id, target });
      if (!v.ok) {
        if (v.code === "wrong_carrier") return offerFitting(s, p, v, target);
        return [targetPrompt(s, p, targetProblem(s, v, target))];
      }
      return makeConfirmation(s, p, step.quantity, v.target ?? target);
    }
    if (step?.kind === "confirm" && st.pending) {
      const p = await ports.catalog.getProduct(s.ctx, st.pending.productId);
      if (p) return [await confirmationView(s, p, st.pending, t(s, "confirm.use_buttons"))];
    }
    if (step?.kind === "link_code") return consumeLink(s, input);
    if (step?.kind === "kyc_name") return verify.onName(s, input);
    if (step?.kind === "kyc_id") return verify.onIdNumber(s, step.sealedName, input);
    if (isAgentStep(step)) return agent.onText(s, step, input);
    if (step?.kind === "withdraw") return withdraw.onText(s, step.input, input);
    return search.results(s, input, await search.find(s, input));
  }

  async function route(s: Session): Promise<Reply[]> {
    const input = s.turn.input;
    switch (input.kind) {
      case "command":
        return onCommand(s, input.command.toLowerCase(), input.payload.trim());
      case "button": {
        // The distributor's screens (bots/distributor) are private: their buttons are theirs to answer.
        if (agent.owns(input.data)) return s.isPrivate ? agent.onButton(s, input.data) : deepLinkReply(s, "agent");
        const a = codec.decode(input.data);
        if (a) return onAction(s, a);
        const w = withdraw.decode(input.data);
        return w ? withdraw.onButton(s, w) : [invalidButton(s)];
      }
      case "text":
        return onText(s, input.text);
      case "precheckout":
        return precheckout(s, input);
      case "payment":
        return payment(s, input);
      case "file":
        // The shop takes no files (operators import codes in the staff console): say so, change nothing.
        return [text(s, t(s, "common.file_not_expected"), [menuRow(s)])];
    }
  }

  // ------------------------------------------------------------------------------- entry point
  async function handle(turn: InboundTurn): Promise<Reply[]> {
    const caps = deps.channels[turn.channel] ?? defaultCaps;
    const isPrivate = turn.chat.kind === "private";
    const resolved = await identity.resolve(
      { channel: turn.channel, locale: "en", requestId: turn.id, externalUserId: turn.from.externalId, actor: VISITOR },
      {
        channel: turn.channel,
        externalId: turn.from.externalId,
        displayName: turn.from.displayName,
        ...(turn.from.username ? { username: turn.from.username } : {}),
        ...(turn.from.languageCode ? { languageCode: turn.from.languageCode } : {}),
        privateChat: isPrivate,
      },
    );
    const { user } = resolved;
    const ctx: CoreContext = {
      channel: turn.channel,
      actor: buyerActor(user.id),
      externalUserId: turn.from.externalId,
      locale: user.locale,
      requestId: turn.id,
    };
    if (resolved.created && deps.onUserCreated) {
      try {
        await deps.onUserCreated(ctx, user, turn);
      } catch (e) {
        deps.logger?.error({ err: e, userId: user.id }, "onUserCreated failed");
      }
    }
    const s: Session = {
      turn,
      ctx,
      user,
      identity: resolved.identity,
      locale: user.locale,
      caps,
      key: { userId: user.id, channel: turn.channel, chatId: turn.chat.id },
      isPrivate,
      edit: turn.input.kind === "button" && turn.input.messageId !== undefined,
      returning: !resolved.created,
      timeZone: turn.from.timeZone && isTimeZone(turn.from.timeZone) ? turn.from.timeZone : defaultTimeZone,
    };
    try {
      return safeForChat(await route(s), turn.chat);
    } catch (e) {
      if (turn.input.kind === "precheckout")
        return [
          { kind: "answer_precheckout", queryId: turn.input.queryId, ok: false, error: t(s, "stars.not_payable") },
        ];
      if (e instanceof ShopClosed) return safeForChat(await shopLink.closed(s), turn.chat);
      if (isDomainError(e) && e.code === "conversation_busy")
        return [{ kind: "text", body: [plain(t(s, "common.busy"))] }];
      if (isDomainError(e) && e.type === "not_found") return [invalidButton(s)];
      deps.logger?.error({ err: e, turnId: turn.id, channel: turn.channel }, "shop bot turn failed");
      return [{ kind: "text", body: [plain(t(s, "common.error"))] }];
    }
  }

  return { name: "shop", handle, onDomainEvent, prepareEvents };
}
