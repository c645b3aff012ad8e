import type { DomainEvent } from "../../core/shared/index.ts";
import { buyerActor, isDomainError, systemContext, type Actor, type CoreContext } from "../../core/shared/index.ts";
import type { ChatBot, TurnRoute } from "../chat-bot.ts";
import type { BotKit } from "../compose.ts";
import type { InboundTurn, OutboundMessage, Reply } from "../turn.ts";
import { plain, safeForChat } from "../turn.ts";
import { createGroupButtonCodec, type GroupAction } from "./button-data.ts";
import { groupAdmin } from "./group-admin.ts";
import type { GroupShopBotDeps, GroupShopPorts, GroupSession } from "./groupshop.types.ts";
import { feedBudget } from "./sales-feed.ts";
import { windowViews } from "./window-views.ts";

const VISITOR: Actor = { kind: "visitor" };

/**
 * The group-shop bot (docs/distribution.md "Group shops"): in a group bound to a distributor's shop it shows
 * the shop's window (categories → products at the shop's price → a link into the private chat that carries
 * the shop); `/bindshop`, `/unbind` and `/salesfeed` manage the binding. It answers only commands (the
 * channel already drops `/cmd@otherbot`) and its own buttons — never plain talk — and posts nothing else
 * but the opt-in sales lines, budgeted per group (sales-feed.ts). Codes never reach it: buying happens in
 * the private chat.
 */
export function createGroupShopBot(deps: GroupShopBotDeps): ChatBot {
  const kit = { deps, codec: createGroupButtonCodec(deps.buttonKey) };
  const views = windowViews(kit);
  const admin = groupAdmin(kit, views);
  const budget = feedBudget({ ...deps.feed, now: () => deps.clock.now().getTime() });
  const feedCtx = systemContext("groupshop-feed");

  async function session(turn: InboundTurn, route?: TurnRoute): Promise<GroupSession> {
    const { user } = await deps.identity.resolve(
      { channel: turn.channel, locale: "en", requestId: turn.id, externalUserId: turn.from.externalId, actor: VISITOR },
      {
        channel: turn.channel,
        externalId: turn.from.externalId,
        displayName: turn.from.displayName,
        ...(turn.from.username ? { username: turn.from.username } : {}),
        ...(turn.from.languageCode ? { languageCode: turn.from.languageCode } : {}),
        privateChat: false,
      },
    );
    const ctx: CoreContext = {
      channel: turn.channel,
      actor: buyerActor(user.id),
      externalUserId: turn.from.externalId,
      locale: user.locale,
      requestId: turn.id,
    };
    return {
      turn,
      ctx,
      userId: user.id,
      locale: user.locale,
      caps: deps.channels[turn.channel],
      shopId: route?.bot === "groupshop" ? route.shopId : null,
      edit: turn.input.kind === "button" && turn.input.messageId !== undefined,
    };
  }

  async function onCommand(s: GroupSession, command: string, payload: string): Promise<Reply[]> {
    switch (command) {
      case "bindshop":
        return admin.bindshop(s, payload);
      case "unbind":
        return admin.unbind(s);
      case "salesfeed":
        return admin.salesfeed(s, payload);
      case "shop":
      case "start":
      case "menu":
        return s.shopId ? [await views.categories(s, s.shopId)] : [views.text(s, views.t(s, "groupshop.not_bound"))];
      case "help":
        return [views.text(s, views.t(s, "groupshop.help"))];
      default:
        return []; // another bot's command, or nothing for a group: silence is the group's due
    }
  }

  async function onButton(s: GroupSession, a: GroupAction | null): Promise<Reply[]> {
    if (a?.op === "bind") return admin.bindTo({ ...s, edit: false }, a.shopId);
    // Drawn for another shop than the one the group shows now (rebound, unbound) or forged: stale.
    if (!a || !s.shopId || a.shopId !== s.shopId) return [views.stale(s)];
    switch (a.op) {
      case "window":
        return [await views.categories(s, a.shopId, a.page)];
      case "category":
        return [await views.products(s, a.shopId, a.categoryId, a.page)];
      case "product":
        return [await views.product(s, a.shopId, a.productId)];
    }
  }

  async function handle(turn: InboundTurn, route?: TurnRoute): Promise<Reply[]> {
    const input = turn.input;
    if (turn.chat.kind !== "group") return [];
    if (input.kind !== "command" && input.kind !== "button") return [];
    const s = await session(turn, route);
    try {
      const replies =
        input.kind === "command"
          ? await onCommand(s, input.command.toLowerCase(), input.payload.trim())
          : await onButton(s, kit.codec.decode(input.data));
      return safeForChat(replies, turn.chat);
    } catch (e) {
      if (isDomainError(e) && (e.type === "invalid_data" || e.type === "not_found"))
        return [{ kind: "text", body: [plain(views.t(s, "groupshop.stale_button"))] }];
      deps.logger?.error({ err: e, turnId: turn.id, channel: turn.channel }, "group shop bot turn failed");
      return [{ kind: "text", body: [plain(views.t(s, "common.error"))] }];
    }
  }

  /** `order.delivered` of a shop order → one line in each of the shop's groups that opted in (budgeted). */
  async function onDomainEvent(event: DomainEvent & { id?: string }): Promise<OutboundMessage[]> {
    if (event.type !== "order.delivered") return [];
    const orderId = (event.payload as { orderId?: unknown }).orderId;
    if (typeof orderId !== "string") return [];
    const targets = await deps.distribution.salesFeedTargets(feedCtx, orderId);
    const locale = deps.feedLocale ?? "zh-CN";
    const out: OutboundMessage[] = [];
    for (const g of targets) {
      const take = budget.take(`${g.channel}:${g.chatId}`);
      if (!take.post) continue;
      const params = {
        name: locale === "zh-CN" ? g.nameZh : g.nameEn,
        quantity: g.quantity,
        shop: g.shopName,
        more: take.more,
      };
      const line = deps.i18n.t(locale, take.more > 0 ? "groupshop.feed_line_more" : "groupshop.feed_line", params);
      out.push({
        // Addressed to the group; the shop's owner stands in as the user (never the buyer).
        userId: g.ownerId,
        channel: g.channel,
        chatId: g.chatId,
        replies: [{ kind: "text", body: [plain(line)] }],
        ...(event.id ? { dedupeKey: `groupshop-feed:${event.id}:${g.channel}:${g.chatId}` } : {}),
      });
    }
    return out;
  }

  return { name: "groupshop", handle, onDomainEvent };
}

/** The bot from the composition's kit and the distribution module: what `composeBots({ groupShop })` takes. */
export const groupShopBot =
  (distribution: GroupShopPorts, extra: Pick<GroupShopBotDeps, "feed" | "feedLocale"> = {}) =>
  (kit: BotKit): ChatBot =>
    createGroupShopBot({
      distribution,
      identity: kit.identity,
      i18n: kit.i18n,
      clock: kit.clock,
      buttonKey: kit.buttonKey("groupshop"),
      channels: kit.channels,
      ...(kit.logger ? { logger: kit.logger } : {}),
      ...extra,
    });
