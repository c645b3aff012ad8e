import type { InboundTurn, TurnInput } from "../../bots/turn.ts";

/** What the channel needs of one wechaty message, read once (wechat-message.ts). Plain data: no SDK. */
export interface WechatInbound {
  id: string;
  /** `text`; `other`: an image, voice, video, sticker, file, red packet, transfer, link…; `system`: recalls, notices. */
  kind: "text" | "other" | "system";
  /** Sent by the bot's own account (its replies come back as events). */
  self: boolean;
  /** The text; in rooms without the @-mentions. */
  text: string;
  /** When it was sent (ms). */
  at: number;
  talker: { id: string; name: string };
  room?: { id: string; topic: string; mentionsSelf: boolean };
}

export type TranslatedMessage =
  | { kind: "turn"; turn: InboundTurn }
  /** A message the bot cannot read, in a private chat: answer with a short hint. */
  | { kind: "hint"; turn: InboundTurn }
  | { kind: "ignore"; reason: string };

/** Words that stand for a command when they are the whole message (private chats and rooms). */
export const COMMAND_WORDS: Readonly<Record<string, string>> = {
  菜单: "menu",
  主菜单: "menu",
  menu: "menu",
  开始: "start",
  start: "start",
  商城: "shop",
  购买: "shop",
  shop: "shop",
  buy: "shop",
  帮助: "help",
  help: "help",
  我的订单: "orders",
  订单: "orders",
  orders: "orders",
  余额: "balance",
  balance: "balance",
  充值: "topup",
  取消: "cancel",
};

export const DEFAULT_ROOM_KEYWORDS = ["菜单", "商城", "购买", "menu", "shop", "buy"];

export interface TranslateOptions {
  /** Messages sent before this moment (ms) are history the puppet replays: ignored. */
  startedAt: number;
  /** In rooms, besides @-mentions, the bot answers a message that is exactly one of these words. */
  roomKeywords: ReadonlySet<string>;
  /** Clock skew allowed between the puppet and us (default 2 s). */
  skewMs?: number;
}

const fold = (s: string) => s.normalize("NFKC").trim().toLowerCase();

/**
 * One WeChat message → one turn, a hint, or nothing. Pure. WeChat gives no language: zh-CN first (the
 * buyer can switch in the menu). In rooms the bot speaks only when @-mentioned or to a keyword.
 */
export function translateMessage(m: WechatInbound, opts: TranslateOptions): TranslatedMessage {
  if (m.self) return { kind: "ignore", reason: "the bot's own message" };
  if (m.at < opts.startedAt - (opts.skewMs ?? 2000)) return { kind: "ignore", reason: "sent before the bot started" };
  if (m.kind === "system") return { kind: "ignore", reason: "system message" };
  const base = {
    id: m.id,
    channel: "wechat" as const,
    chat: m.room
      ? { id: m.room.id, kind: "group" as const, ...(m.room.topic ? { title: m.room.topic } : {}) }
      : { id: m.talker.id, kind: "private" as const },
    from: { externalId: m.talker.id, displayName: m.talker.name || m.talker.id, languageCode: "zh-CN" },
  };
  if (m.room) {
    const keyword = opts.roomKeywords.has(fold(m.text));
    if (!m.room.mentionsSelf && !keyword) return { kind: "ignore", reason: "room message not addressed to the bot" };
    if (m.kind !== "text") return { kind: "ignore", reason: "non-text room message" };
    // "@bot" alone opens the menu; so does a keyword that is no command word.
    const input = textInput(m.text);
    const menu: TurnInput = { kind: "command", command: "menu", payload: "" };
    return { kind: "turn", turn: { ...base, input: !input || (keyword && input.kind === "text") ? menu : input } };
  }
  if (m.kind !== "text") return { kind: "hint", turn: { ...base, input: { kind: "text", text: "" } } };
  return { kind: "turn", turn: { ...base, input: textInput(m.text) ?? { kind: "text", text: m.text } } };
}

/** "/link ABCD-EFGH" and command words → commands; other text as it is; null when empty. */
function textInput(raw: string): TurnInput | null {
  const text = raw.trim();
  if (!text) return null;
  const slash = /^[/／]([A-Za-z_]{1,32})(?:\s+([\s\S]*))?$/.exec(text.normalize("NFKC"));
  if (slash) return { kind: "command", command: slash[1]!.toLowerCase(), payload: (slash[2] ?? "").trim() };
  const word = COMMAND_WORDS[fold(text)];
  if (word) return { kind: "command", command: word, payload: "" };
  return { kind: "text", text };
}
