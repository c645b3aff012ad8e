import type { Conversations } from "../../core/conversations/index.ts";
import type { Identity, UserRecord } from "../../core/identity/index.ts";
import { buyerActor, systemContext, type CoreContext } from "../../core/shared/index.ts";
import type { InboundTurn } from "../turn.ts";
import type { NumberedMenu } from "./numbered-menu.ts";

/**
 * The menu a chat was last shown, in the durable conversation state (`conversation_states`), so a
 * restart or another server process reads the same numbers. It has a row of its own beside the bot's
 * flow state — chat id `menu:<chat id>` — so the bot's own writes never drop it. Keyed by the user the
 * chat's sender resolves to: in a group each member has their own menu.
 */
export interface MenuStore {
  /** The user the sender resolves to, or null before their first turn. */
  userOf(turn: Pick<InboundTurn, "channel" | "from">): Promise<UserRecord | null>;
  /** The menu this user was last shown in this chat. */
  load(turn: InboundTurn, userId: string): Promise<NumberedMenu | null>;
  save(turn: InboundTurn, userId: string, menu: NumberedMenu): Promise<void>;
}

const lookup = systemContext("numbered-menus");

export function createMenuStore(deps: { identity: Identity; conversations: Conversations }): MenuStore {
  const { identity, conversations } = deps;
  const keyOf = (userId: string, turn: InboundTurn) => ({
    userId,
    channel: turn.channel,
    chatId: `menu:${turn.chat.id}`,
  });
  // The menu is the buyer's own chat state: read and written as that buyer (docs/access.md).
  const asUser = (userId: string, turn: InboundTurn): CoreContext => ({
    channel: turn.channel,
    actor: buyerActor(userId),
    externalUserId: turn.from.externalId,
    locale: "zh-CN",
    requestId: turn.id,
  });

  return {
    async userOf(turn) {
      const found = await identity.findIdentity(lookup, turn.channel, turn.from.externalId);
      return found ? identity.findUser(lookup, found.userId) : null;
    },
    async load(turn, userId) {
      const { state } = await conversations.get<NumberedMenu>(asUser(userId, turn), keyOf(userId, turn));
      return state?.v === 1 ? state : null;
    },
    async save(turn, userId, menu) {
      await conversations.update<NumberedMenu, null>(asUser(userId, turn), keyOf(userId, turn), () => ({
        state: menu,
        result: null,
      }));
    },
  };
}
