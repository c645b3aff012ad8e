import { localeFromLanguage } from "../core/identity/index.ts";
import type { BotLogger, ChatBot, TurnRoute } from "./chat-bot.ts";
import { isGroupShopButton } from "./groupshop/button-data.ts";
import { createI18n, type I18n } from "./i18n/index.ts";
import type { InboundTurn, Reply, TurnChannel } from "./turn.ts";
import { plain, safeForChat } from "./turn.ts";

/** The distributor's shop a group chat is bound to. */
export interface GroupShopBinding {
  shopId: string;
}

export interface BotRouterOptions {
  shop: ChatBot;
  /** The operators' console; without it, staff groups get no answer (they are never a storefront). */
  staff?: ChatBot;
  groupShop?: ChatBot;
  /** Staff group chat ids, per channel. */
  staffChats?: Partial<Record<TurnChannel, Iterable<string>>>;
  /**
   * Channels that only the staff bot serves (Slack): every turn there goes to it, from any chat, so a
   * command outside the staff channel gets the staff bot's (audited) refusal, never the shop.
   */
  staffOnlyChannels?: Iterable<TurnChannel>;
  /** Which distributor's shop a group is bound to (null: none). Asked only when a group-shop bot exists. */
  groupShopOf?: (channel: TurnChannel, chatId: string) => Promise<GroupShopBinding | null>;
  /** For the reply when routing itself fails (default: the bots' messages). */
  i18n?: I18n;
  logger?: BotLogger;
}

/** What the group-shop bot answers in any group, bound or not. */
function claimedByGroupShop(turn: InboundTurn): boolean {
  const input = turn.input;
  return (
    (input.kind === "command" && input.command.toLowerCase() === "bindshop") ||
    (input.kind === "button" && isGroupShopButton(input.data))
  );
}

export interface BotRouter {
  /** Which bot a turn is for; null when none may answer (a staff group while no staff bot runs). */
  route(turn: InboundTurn): Promise<TurnRoute | null>;
  /** The channels' entry point: routes the turn and lets that bot answer. */
  handle(turn: InboundTurn): Promise<Reply[]>;
}

/**
 * Sends each turn to one bot: a private chat → shop; a configured staff group → staff; a group bound
 * to a distributor's shop → group shop; any other group → shop (its group behaviour: browse, then
 * deep links into the private chat), except `/bindshop` and the group-shop bot's own buttons, which go to
 * the group shop (that is how a group gets bound). A staff group never reaches the shop bot, nor a shop group the
 * staff bot. If the binding lookup fails the user gets a generic error reply; a bot's own throw is
 * passed on (the channel then has the turn delivered again).
 */
export function createBotRouter(opts: BotRouterOptions): BotRouter {
  const staffChats = new Map<string, ReadonlySet<string>>(
    Object.entries(opts.staffChats ?? {}).map(([channel, ids]) => [channel, new Set(ids)]),
  );
  const bots: Record<TurnRoute["bot"], ChatBot | undefined> = {
    shop: opts.shop,
    staff: opts.staff,
    groupshop: opts.groupShop,
  };
  const staffOnly = new Set<string>(opts.staffOnlyChannels ?? []);
  let i18n = opts.i18n;
  const unanswered = new Set<string>();
  const groupShopOf = opts.groupShop ? opts.groupShopOf : undefined;

  async function route(turn: InboundTurn): Promise<TurnRoute | null> {
    if (staffOnly.has(turn.channel)) return opts.staff ? { bot: "staff" } : null;
    if (turn.chat.kind === "private") return { bot: "shop" };
    if (staffChats.get(turn.channel)?.has(turn.chat.id)) return opts.staff ? { bot: "staff" } : null;
    const binding = groupShopOf ? await groupShopOf(turn.channel, turn.chat.id) : null;
    if (binding) return { bot: "groupshop", shopId: binding.shopId };
    // Binding starts in a group that is not bound yet: `/bindshop` and the bot's own shop choice reach it.
    if (opts.groupShop && claimedByGroupShop(turn)) return { bot: "groupshop", shopId: null };
    return { bot: "shop" };
  }

  function errorReply(turn: InboundTurn): Reply[] {
    i18n ??= createI18n();
    const text = i18n.t(localeFromLanguage(turn.from.languageCode), "common.error");
    return [{ kind: "text", body: [plain(text)] }];
  }

  async function handle(turn: InboundTurn): Promise<Reply[]> {
    let to: TurnRoute | null;
    try {
      to = await route(turn);
    } catch (err) {
      opts.logger?.error({ err, turnId: turn.id, channel: turn.channel }, "bot router: routing failed");
      return errorReply(turn);
    }
    if (!to) {
      const key = `${turn.channel}:${turn.chat.id}`;
      if (!unanswered.has(key)) {
        unanswered.add(key);
        opts.logger?.warn(
          { channel: turn.channel, chatId: turn.chat.id },
          "bot router: a staff group, but no staff bot",
        );
      }
      return [];
    }
    const bot = bots[to.bot]!;
    return safeForChat(await bot.handle(turn, to), turn.chat);
  }

  return { route, handle };
}
