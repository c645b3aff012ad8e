import { types, type Message } from "wechaty";
import type { WechatInbound } from "./message-to-turn.ts";

const SYSTEM = new Set<number>([types.Message.Unknown, types.Message.Recalled, types.Message.GroupNote]);

/** Reads what the channel needs of a wechaty message (its few lookups happen here, once). */
export async function readMessage(msg: Message): Promise<WechatInbound> {
  const type = msg.type();
  const room = msg.room();
  const talker = msg.talker();
  const kind = type === types.Message.Text ? "text" : SYSTEM.has(type) ? "system" : "other";
  return {
    id: msg.id,
    kind,
    self: msg.self(),
    text: kind !== "text" ? "" : room ? await msg.mentionText() : msg.text(),
    at: msg.date().getTime(),
    talker: { id: talker.id, name: talker.name() },
    ...(room ? { room: { id: room.id, topic: await room.topic(), mentionsSelf: await msg.mentionSelf() } } : {}),
  };
}
