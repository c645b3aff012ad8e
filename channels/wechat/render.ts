import { plainMessages } from "../../bots/text/plain-text.ts";
import type { CodesReply, Reply } from "../../bots/turn.ts";
import type { NewOutboxMessage } from "./outbox.ts";

/**
 * A conservative message size: WeChat cuts long texts around 2,000 characters (puppets differ), and a
 * shorter message is easier to read on a phone.
 */
export const WECHAT_TEXT_LIMIT = 1500;

export interface WechatTarget {
  chatId: string;
  room: boolean;
  /** In a room: who sent the message being answered, and whether they are the bot's contact (friend). */
  talker?: { id: string; name: string; friend: boolean };
}

export interface RenderedReplies {
  messages: NewOutboxMessage[];
  /** Code deliveries answered in a room: sent to the talker's private chat (`private`), or refused (`no_contact`). */
  roomCodes: { orderId: string; items: number; outcome: "private" | "no_contact" }[];
  skipped: Reply["kind"][];
}

/**
 * Replies (buttons already numbered, bots/text) → plain-text messages for one chat. A code delivery is
 * never posted to a room: it goes to the talker's private chat when they are a contact (the room is told
 * so), and otherwise stays unsent (the room is told how to add the bot). `roomNotice` words those notices.
 */
export function renderForWechat(
  replies: Reply[],
  target: WechatTarget,
  roomNotice: { sentPrivately: string; addFriend: string },
  limit = WECHAT_TEXT_LIMIT,
): RenderedReplies {
  const codes = target.room ? replies.filter((r): r is CodesReply => r.kind === "codes") : [];
  const rest = target.room ? replies.filter((r) => r.kind !== "codes") : replies;
  const out = plainMessages(rest, limit);
  const messages: NewOutboxMessage[] = out.messages.map((text) => ({ chatId: target.chatId, room: target.room, text }));
  const roomCodes: RenderedReplies["roomCodes"] = [];
  if (codes.length) {
    const talker = target.talker;
    const toPrivate = talker?.friend === true;
    if (toPrivate)
      for (const text of plainMessages(codes, limit).messages) messages.push({ chatId: talker.id, room: false, text });
    messages.push({
      chatId: target.chatId,
      room: true,
      text: toPrivate ? roomNotice.sentPrivately : roomNotice.addFriend,
    });
    for (const c of codes)
      roomCodes.push({ orderId: c.orderId, items: c.items.length, outcome: toPrivate ? "private" : "no_contact" });
  }
  return { messages, roomCodes, skipped: out.skipped };
}
