import { sql } from "../shared/index.ts";
import type { ConversationKey } from "./conversations.service.ts";

/** Every statement of conversations (table conversation_states), run on the SqlRunner: one per chat turn. */

const where = (k: ConversationKey) =>
  sql`user_id = ${k.userId}::uuid AND channel = ${k.channel}::text AND chat_id = ${k.chatId}::text`;

export const readStateSql = (k: ConversationKey) =>
  sql`SELECT state, version FROM conversation_states WHERE ${where(k)}`;

/** The first write: only when nothing is stored yet. */
export const insertStateSql = (k: ConversationKey, json: string, now: Date) => sql`
  INSERT INTO conversation_states (user_id, channel, chat_id, state, version, updated_at)
  VALUES (${k.userId}::uuid, ${k.channel}::text, ${k.chatId}::text, ${json}::jsonb, 1, ${now}::timestamptz)
  ON CONFLICT (user_id, channel, chat_id) DO NOTHING`;

/** A later write: only when the stored version is still `expected` (compare-and-swap). */
export const swapStateSql = (k: ConversationKey, json: string, expected: number, now: Date) => sql`
  UPDATE conversation_states SET state = ${json}::jsonb, version = version + 1, updated_at = ${now}::timestamptz
  WHERE ${where(k)} AND version = ${expected}::int`;

export const clearStateSql = (k: ConversationKey) => sql`DELETE FROM conversation_states WHERE ${where(k)}`;
