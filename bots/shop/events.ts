import type { IdentityRecord } from "../../core/identity/index.ts";
import type { NumberedOrder } from "../../core/orders/index.ts";
import type { CoreContext, DomainEvent, Locale } from "../../core/shared/index.ts";
import { isDomainError, systemActor } from "../../core/shared/index.ts";
import type { ButtonRows, OutboundMessage, Reply, TurnChannel } from "../turn.ts";
import { plain, safeForChat } from "../turn.ts";
import type { ShopState } from "./shop-bot.types.ts";
import { orderLabel, UUID_RE, type Kit } from "./shop-kit.ts";
import type { createAccount } from "./account.ts";
import { agentNotice, AGENT_EVENT_TYPES } from "../distributor/notices.ts";

/** The notifier acts as the platform: it tells buyers about their own orders, and delivers their codes privately. */
const notifierContext = (requestId: string): CoreContext => ({
  channel: "system",
  locale: "en",
  requestId,
  actor: systemActor("shop-notifier"),
});

/** Domain events → messages for the buyer’s private chats. */
export function createEvents(k: Kit, account: ReturnType<typeof createAccount>) {
  const { deps, ports, identity, conversations, currency, t, money, pname, btn } = k;
  const { codesReply } = account;

  // ---------------------------------------------------------------------------- domain events
  async function dmTargets(
    ctx: CoreContext,
    userId: string,
    prefer?: string,
    known?: IdentityRecord[],
  ): Promise<IdentityRecord[]> {
    const ids = (known ?? (await identity.identitiesOf(ctx, userId))).filter(
      (i) => i.canDm && deps.channels[i.channel as TurnChannel],
    );
    const preferred = prefer ? ids.filter((i) => i.channel === prefer) : [];
    return preferred.length ? preferred : ids;
  }

  async function toUser(
    ctx: CoreContext,
    userId: string,
    prefer: string | undefined,
    build: (loc: { locale: Locale }, target: IdentityRecord) => Promise<Reply[]>,
    /** The user's private chats, when the caller has read them already. */
    known?: IdentityRecord[],
  ): Promise<OutboundMessage[]> {
    const user = await identity.findUser(ctx, userId);
    if (!user) return [];
    const out: OutboundMessage[] = [];
    for (const target of await dmTargets(ctx, userId, prefer, known)) {
      const replies = await build({ locale: user.locale }, target);
      if (replies.length)
        out.push({
          userId,
          channel: target.channel as TurnChannel,
          chatId: target.externalId,
          replies: safeForChat(replies, { kind: "private" }),
        });
    }
    return out;
  }

  // The users' private chats for the batch of events being dispatched (see prepareEvents), by event id.
  let prepared: { eventIds: Set<string>; identities: Map<string, IdentityRecord[]> } | undefined;

  async function prepareEvents(events: Array<DomainEvent & { id: string }>): Promise<void> {
    prepared = undefined;
    const userIds = events
      .map((e) => (e.payload as Record<string, unknown> | undefined)?.userId)
      .filter((u): u is string => typeof u === "string" && UUID_RE.test(u));
    if (userIds.length === 0) return;
    const identities = await identity.identitiesOfUsers(notifierContext("event-batch"), userIds);
    prepared = { eventIds: new Set(events.map((e) => e.id)), identities };
  }

  async function onDomainEvent(event: DomainEvent & { id?: string }): Promise<OutboundMessage[]> {
    const p = (event.payload ?? {}) as Record<string, unknown>;
    // The outbox id when there is one (a restock can repeat for one product); else the event's subject.
    const subject = event.id ?? [p.orderId, p.paymentId, p.productId].find((v) => typeof v === "string") ?? "";
    const known =
      event.id !== undefined && prepared?.eventIds.has(event.id) && typeof p.userId === "string"
        ? prepared.identities.get(p.userId)
        : undefined;
    const out = await messagesFor(event, p, known);
    return out.map((m) => ({
      ...m,
      dedupeKey: `${event.type}:${String(subject)}:${m.userId}:${m.channel}:${m.chatId}`,
    }));
  }

  async function messagesFor(
    event: DomainEvent,
    p: Record<string, unknown>,
    /** The user's private chats when already read for this event's batch. */
    known?: IdentityRecord[],
  ): Promise<OutboundMessage[]> {
    const userId = typeof p.userId === "string" && UUID_RE.test(p.userId) ? p.userId : undefined;
    const ctx = notifierContext(`event:${event.type}`);
    if (event.type === "stock.restocked") {
      const productId = typeof p.productId === "string" ? p.productId : "";
      if (!UUID_RE.test(productId)) return [];
      const product = await ports.catalog.getProduct(ctx, productId);
      if (!product?.active) return [];
      const due = await ports.stock.dueRestockNotifications(ctx, { productId });
      const out: OutboundMessage[] = [];
      for (const sub of due) {
        const uctx = ctx;
        out.push(
          ...(await toUser(uctx, sub.userId, sub.channel, async (loc) => {
            const price = await ports.catalog.quote(uctx, {
              productId,
              quantity: Math.max(1, product.minQty),
              userId: sub.userId,
            });
            const unit = price.ok ? price.unitPrice : product.price;
            return [
              {
                kind: "text",
                body: [plain(t(loc, "shop.restocked", { name: pname(loc, product) }))],
                buttons: [
                  [
                    btn(t(loc, "shop.view_product", { name: pname(loc, product) }), {
                      op: "product",
                      productId,
                      version: product.version,
                      price: unit,
                    }),
                  ],
                ],
              },
            ];
          })),
        );
      }
      return out;
    }
    if (!userId) return [];
    if ((AGENT_EVENT_TYPES as readonly string[]).includes(event.type))
      return agentNotice(k, event, p, (build) => toUser(ctx, userId, undefined, build, known));
    if (event.type === "withdrawal.paid" || event.type === "withdrawal.rejected") {
      // The distributor's withdrawal was decided (docs/withdrawals.md): paid out, or its hold released.
      const amount = typeof p.amount === "string" || typeof p.amount === "bigint" ? BigInt(p.amount) : null;
      const cur = typeof p.currency === "string" ? p.currency : currency;
      if (amount === null) return [];
      const fee = typeof p.fee === "string" || typeof p.fee === "bigint" ? BigInt(p.fee) : 0n;
      const key =
        event.type === "withdrawal.paid"
          ? "withdrawal.paid"
          : p.status === "EXPIRED"
            ? "withdrawal.expired"
            : p.status === "FAILED"
              ? "withdrawal.failed"
              : "withdrawal.rejected";
      return toUser(
        ctx,
        userId,
        undefined,
        async (loc) => [
          {
            kind: "text",
            body: [
              plain(
                t(loc, key, {
                  amount: money(loc, amount, cur),
                  received: money(loc, amount - fee, cur),
                  reason: typeof p.reason === "string" ? p.reason : "",
                }),
              ),
            ],
          },
        ],
        known,
      );
    }
    if (event.type === "payment.succeeded") {
      // An order's own payment (Telegram Stars) is answered by the payment turn itself.
      if (p.purpose === "order") return [];
      const amount =
        typeof p.amount === "bigint"
          ? p.amount
          : typeof p.amount === "string" || typeof p.amount === "number"
            ? BigInt(p.amount)
            : null;
      const cur = typeof p.currency === "string" ? p.currency : currency;
      if (amount === null) return [];
      return toUser(ctx, userId, undefined, async (loc, target) => {
        const balance = await ports.wallet.balance(ctx, { userId, currency: cur });
        const rows: ButtonRows = [];
        const st = (
          await conversations.get<ShopState>(ctx, { userId, channel: target.channel, chatId: target.externalId })
        ).state;
        if (st?.pending && st.pending.currency === cur) {
          const prod = await ports.catalog.getProduct(ctx, st.pending.productId);
          if (prod)
            rows.push([
              btn(
                t(loc, "topup.continue", {
                  name: pname(loc, prod),
                  quantity: st.pending.quantity,
                  total: money(loc, BigInt(st.pending.total), cur),
                }),
                { op: "confirm", nonce: st.pending.nonce },
              ),
            ]);
        }
        return [
          {
            kind: "text",
            body: [
              plain(t(loc, "topup.received", { amount: money(loc, amount, cur), balance: money(loc, balance, cur) })),
            ],
            ...(rows.length ? { buttons: rows } : {}),
          },
        ];
      });
    }
    if (event.type === "kyc.verified" || event.type === "kyc.rejected") {
      // The decision on the user's real-name verification: never the name or the number, only the outcome.
      // A provider mismatch was answered in the submitting turn itself.
      const reason = typeof p.reason === "string" ? p.reason : "";
      if (event.type === "kyc.rejected" && reason === "provider_mismatch") return [];
      const body = event.type === "kyc.verified" ? "kyc.verified" : "kyc.rejected";
      return toUser(
        ctx,
        userId,
        undefined,
        async (loc) => [{ kind: "text", body: [plain(t(loc, body, { reason }))] }],
        known,
      );
    }
    const orderId = typeof p.orderId === "string" && UUID_RE.test(p.orderId) ? p.orderId : undefined;
    if (!orderId || !event.type.startsWith("order.")) return [];
    // Nobody to tell (no private chat linked, as for an API-only account): none of the reads below.
    const reachable = await dmTargets(ctx, userId, undefined, known);
    if (reachable.length === 0) return [];
    let order: NumberedOrder;
    try {
      order = await ports.orders.get(ctx, { orderId });
    } catch (e) {
      if (isDomainError(e) && e.type === "not_found") return [];
      throw e;
    }
    const product = await ports.catalog.getProduct(ctx, order.productId);
    const name = (loc: { locale: Locale }) => (product ? pname(loc, product) : "?");
    const short = orderLabel(order);
    const tell = (build: (loc: { locale: Locale }) => Promise<Reply[]>) =>
      toUser(ctx, userId, order.channel, build, reachable);
    const ordersBtn = (loc: { locale: Locale }) => [[btn(t(loc, "menu.orders"), { op: "order", orderId: order.id })]];
    switch (event.type) {
      case "order.fulfilling":
        if (product?.deliveryKind !== "DIRECT") return [];
        return tell(async (loc) => [
          {
            kind: "text",
            body: [plain(t(loc, "order.fulfilling_direct", { order: short, target: order.target ?? "" }))],
          },
        ]);
      case "order.awaiting_stock":
        // 补单: paid while sold out. A wallet purchase hears it in the buy reply (from CREATED); an order
        // paid later (Stars) that found no stock when fulfilled is told here.
        if (event.payload.from === "CREATED") return [];
        return tell(async (loc) => [
          {
            kind: "text",
            body: [
              plain(
                t(loc, "order.awaiting_stock", {
                  order: short,
                  name: name(loc),
                  total: money(loc, order.total, order.currency),
                }),
              ),
            ],
            buttons: ordersBtn(loc),
          },
        ]);
      case "order.redelivery_requested":
        // Staff asked to send the codes again: the same private delivery (none once refunded).
        if (order.status !== "DELIVERED") return [];
        return tell(async (loc) => {
          const r = await codesReply(loc, order, ctx);
          return r ? [r] : [];
        });
      case "order.delivered":
        return tell(async (loc) => {
          if (product?.deliveryKind === "DIRECT")
            return [
              {
                kind: "text",
                body: [
                  plain(
                    t(loc, "order.delivered_direct", { order: short, target: order.target ?? "", name: name(loc) }),
                  ),
                ],
                buttons: ordersBtn(loc),
              },
            ];
          const r = await codesReply(loc, order, ctx);
          return r ? [r] : [];
        });
      case "order.refunded": {
        // Paid in Stars: the Stars go back to the buyer's Telegram account (the stars-refunder), not the wallet.
        const stars = (await ports.payments?.stars?.chargedFor?.(ctx, order.id)) ?? null;
        if (stars !== null)
          return tell(async (loc) => [
            {
              kind: "text",
              body: [
                plain(
                  t(loc, "order.refunded_stars", { order: short, name: name(loc), stars: money(loc, stars, "XTR") }),
                ),
              ],
              buttons: ordersBtn(loc),
            },
          ]);
        return tell(async (loc) => {
          const balance = await ports.wallet.balance(ctx, { userId, currency: order.currency });
          return [
            {
              kind: "text",
              body: [
                plain(
                  t(loc, "order.refunded", {
                    order: short,
                    name: name(loc),
                    total: money(loc, order.total, order.currency),
                    balance: money(loc, balance, order.currency),
                  }),
                ),
              ],
              buttons: ordersBtn(loc),
            },
          ];
        });
      }
      case "order.expired":
        return tell(async (loc) => [{ kind: "text", body: [plain(t(loc, "order.expired", { order: short }))] }]);
      default:
        return [];
    }
  }

  return { dmTargets, toUser, onDomainEvent, prepareEvents, messagesFor };
}
