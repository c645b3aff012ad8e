import { sql, type SecretBox, type SqlExecutor } from "../../core/shared/index.ts";

/** One message waiting in `wechat_outbox` (decrypted). */
export interface OutboxMessage {
  id: string;
  chatId: string;
  room: boolean;
  text: string;
  attempts: number;
  nextAttemptAt: number;
}

export interface NewOutboxMessage {
  chatId: string;
  room: boolean;
  text: string;
}

/**
 * Every statement on `wechat_outbox` (owned by this channel). A message is written before it is sent, so a
 * restart loses nothing (a crash between the send and `markSent` may repeat one message; never loses it).
 * Bodies are encrypted with the code-encryption key and cleared once sent.
 */
export interface WechatOutbox {
  enqueue(messages: NewOutboxMessage[], now: Date): Promise<void>;
  /** Messages still to send, oldest first. */
  pending(limit: number): Promise<OutboxMessage[]>;
  markSent(id: string, at: Date): Promise<void>;
  /** A failed attempt: retried at `nextAttemptAt`, or given up (`dead`). */
  markFailed(id: string, input: { attempts: number; nextAttemptAt: Date; error: string; dead: boolean }): Promise<void>;
  /** Send start times since `since`, to seed the limits after a restart. */
  recentSends(since: Date): Promise<{ chatId: string; room: boolean; at: number }[]>;
  /** Deletes rows sent or given up before `before`. */
  purge(before: Date): Promise<number>;
}

export function createWechatOutbox(deps: { db: SqlExecutor; secrets: SecretBox }): WechatOutbox {
  const { db, secrets } = deps;
  return {
    async enqueue(messages, now) {
      if (!messages.length) return;
      await db.execute(sql`
        INSERT INTO wechat_outbox (chat_id, room, body, created_at, next_attempt_at)
        SELECT m.chat_id, m.room, m.body, ${now}::timestamptz, ${now}::timestamptz
        FROM unnest(${messages.map((m) => m.chatId)}::text[], ${messages.map((m) => m.room)}::boolean[],
                    ${messages.map((m) => secrets.encrypt(m.text))}::text[]) WITH ORDINALITY AS m(chat_id, room, body, ord)
        ORDER BY m.ord`);
    },
    async pending(limit) {
      const rows = await db.query<{
        id: bigint | string;
        chat_id: string;
        room: boolean;
        body: string;
        attempts: number;
        next_attempt_at: Date;
      }>(sql`
        SELECT id, chat_id, room, body, attempts, next_attempt_at FROM wechat_outbox
        WHERE sent_at IS NULL AND dead_at IS NULL ORDER BY id LIMIT ${limit}::int`);
      return rows.map((r) => ({
        id: String(r.id),
        chatId: r.chat_id,
        room: r.room,
        text: secrets.decrypt(r.body),
        attempts: r.attempts,
        nextAttemptAt: new Date(r.next_attempt_at).getTime(),
      }));
    },
    async markSent(id, at) {
      await db.execute(sql`
        UPDATE wechat_outbox SET sent_at = ${at}::timestamptz, body = NULL, attempts = attempts + 1
        WHERE id = ${id}::bigint`);
    },
    async markFailed(id, input) {
      await db.execute(sql`
        UPDATE wechat_outbox SET attempts = ${input.attempts}::int, next_attempt_at = ${input.nextAttemptAt}::timestamptz,
          last_error = ${input.error.slice(0, 500)}::text,
          dead_at = CASE WHEN ${input.dead}::boolean THEN ${input.nextAttemptAt}::timestamptz END,
          body = CASE WHEN ${input.dead}::boolean THEN NULL ELSE body END
        WHERE id = ${id}::bigint`);
    },
    async recentSends(since) {
      const rows = await db.query<{ chat_id: string; room: boolean; sent_at: Date }>(sql`
        SELECT chat_id, room, sent_at FROM wechat_outbox WHERE sent_at >= ${since}::timestamptz ORDER BY sent_at`);
      return rows.map((r) => ({ chatId: r.chat_id, room: r.room, at: new Date(r.sent_at).getTime() }));
    },
    async purge(before) {
      return db.execute(sql`
        DELETE FROM wechat_outbox WHERE (sent_at IS NOT NULL AND sent_at < ${before}::timestamptz)
          OR (dead_at IS NOT NULL AND dead_at < ${before}::timestamptz)`);
    },
  };
}
