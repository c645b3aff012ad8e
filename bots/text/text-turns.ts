import { localeFromLanguage } from "../../core/identity/index.ts";
import type { Clock, Locale } from "../../core/shared/index.ts";
import type { I18n, MessageKey, MessageParams } from "../i18n/index.ts";
import type { InboundTurn, Reply, TurnFrom, TurnHandler } from "../turn.ts";
import { plain } from "../turn.ts";
import { pickFromMenu } from "./menu-input.ts";
import type { MenuStore } from "./menu-store.ts";
import { menuReply, numberReplies, type NumberedMenu } from "./numbered-menu.ts";

export interface TextTurnsOptions {
  /** The bots' entry point (the router). */
  handler: TurnHandler;
  store: MenuStore;
  i18n: I18n;
  clock: Clock;
  /** A menu older than this no longer answers numbers (default 30 minutes). */
  menuTtlMs?: number;
  /** Longer messages are refused with a notice, before any bot sees them (default 1000 characters). */
  maxTextChars?: number;
}

export interface TextTurns {
  /** A text channel's entry point: numbers and names → button presses, buttons → numbered text. */
  handle: TurnHandler;
  /**
   * A message the bot starts (a delivery, a refund), addressed to a private chat: its buttons numbered and
   * kept as that chat's menu, like a turn's.
   */
  present(channel: InboundTurn["channel"], chatId: string, replies: Reply[]): Promise<Reply[]>;
  /** A channel's own notice (a hint, a redirect) in the sender's language. */
  notice(
    turn: { channel: InboundTurn["channel"]; from: TurnFrom },
    key: MessageKey,
    params?: MessageParams,
  ): Promise<string>;
}

const text = (s: string): Reply => ({ kind: "text", body: [plain(s)] });

/**
 * The bots, as a channel without buttons sees them: each typed message is read against the menu the
 * chat was last shown (bots/text/menu-input.ts), the bots answer as they would a button press, and their
 * buttons come back as a numbered menu (bots/text/numbered-menu.ts), kept in the durable conversation
 * state (bots/text/menu-store.ts). Input nobody can act on — empty, emoji only, far too long, a number
 * not on the menu — is answered here and changes nothing.
 */
export function createTextTurns(opts: TextTurnsOptions): TextTurns {
  const { handler, store, i18n, clock } = opts;
  const ttlMs = opts.menuTtlMs ?? 30 * 60_000;
  const maxChars = opts.maxTextChars ?? 1000;

  const localeOf = async (turn: { channel: InboundTurn["channel"]; from: TurnFrom }): Promise<Locale> =>
    (await store.userOf(turn))?.locale ?? localeFromLanguage(turn.from.languageCode);

  async function handle(turn: InboundTurn): Promise<Reply[]> {
    if (turn.input.kind !== "text") return present(turn, await handler(turn));
    const user = await store.userOf(turn);
    const locale = user?.locale ?? localeFromLanguage(turn.from.languageCode);
    const menu = user ? await store.load(turn, user.id) : null;
    const now = clock.now();
    const live = menu && now.getTime() - Date.parse(menu.at) <= ttlMs ? menu : null;
    const raw = turn.input.text;

    if (raw.length > maxChars) return [text(i18n.t(locale, "text.too_long", { max: maxChars }))];
    if (!/[\p{L}\p{N}]/u.test(raw.normalize("NFKC"))) {
      const notice = i18n.t(locale, "text.empty");
      return live?.mode === "numbers" ? [menuReply(live, notice, i18n, locale)] : [text(notice)];
    }
    const pick = pickFromMenu(menu, raw, { now, ttlMs });
    switch (pick.kind) {
      case "button":
        return present(turn, await handler({ ...turn, input: { kind: "button", data: pick.data } }));
      case "out_of_range":
        return [menuReply(live!, i18n.t(locale, "text.out_of_range", pick), i18n, locale)];
      case "expired": {
        const replies = await handler({ ...turn, input: { kind: "command", command: "menu", payload: "" } });
        return present(turn, [text(i18n.t(locale, "text.menu_expired")), ...replies]);
      }
      case "text":
        return present(turn, await handler(turn));
    }
  }

  /** Numbers the replies' buttons and keeps the menu (a reply without buttons leaves the last menu standing). */
  async function present(turn: InboundTurn, replies: Reply[]): Promise<Reply[]> {
    if (replies.length === 0) return replies;
    // After the bot: the sender may have just become a user, or another one (linking), or changed language.
    const user = await store.userOf(turn);
    const locale = user?.locale ?? localeFromLanguage(turn.from.languageCode);
    const numbered = numberReplies(replies, { i18n, locale, now: clock.now() });
    if (numbered.menu && user) await store.save(turn, user.id, numbered.menu satisfies NumberedMenu);
    return numbered.replies;
  }

  return {
    handle,
    present(channel, chatId, replies) {
      const turn: InboundTurn = {
        id: `outbound:${chatId}`,
        channel,
        chat: { id: chatId, kind: "private" },
        from: { externalId: chatId, displayName: chatId },
        input: { kind: "text", text: "" },
      };
      return present(turn, replies);
    },
    async notice(turn, key, params) {
      return i18n.t(await localeOf(turn), key, params);
    },
  };
}
