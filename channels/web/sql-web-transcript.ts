import { sql, type SecretBox, type SqlExecutor } from "../../core/shared/index.ts";
import type { TranscriptEntry, TranscriptMessage, WebTranscript } from "./web-transcript.ts";

const MID_RE = /^m(\d{1,18})$/;

/**
 * The web-chat transcript in `web_chat_messages`: each message encrypted with the code-encryption key
 * (a delivered code is a secret at rest), the newest `keep` per browser.
 */
export function createSqlWebTranscript({
  db,
  secrets,
  keep = 200,
}: {
  db: SqlExecutor;
  secrets: SecretBox;
  keep?: number;
}): WebTranscript {
  const seal = (m: TranscriptMessage) =>
    secrets.encrypt(JSON.stringify(m, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
  return {
    async append(browserId, messages) {
      const mids: string[] = [];
      for (const m of messages) {
        const [row] = await db.query<{ id: bigint }>(sql`
          INSERT INTO web_chat_messages (browser_id, payload) VALUES (${browserId}::text, ${seal(m)}::text) RETURNING id`);
        mids.push(`m${row!.id}`);
      }
      if (messages.length)
        await db.execute(sql`DELETE FROM web_chat_messages WHERE browser_id = ${browserId}::text AND id < (
          SELECT id FROM web_chat_messages WHERE browser_id = ${browserId}::text ORDER BY id DESC OFFSET ${keep - 1}::int LIMIT 1)`);
      return mids;
    },
    async replace(browserId, mid, reply) {
      const id = MID_RE.exec(mid)?.[1];
      if (!id) return false;
      const n = await db.execute(sql`UPDATE web_chat_messages SET payload = ${seal({ from: "bot", reply })}::text
        WHERE id = ${id}::bigint AND browser_id = ${browserId}::text`);
      return n === 1;
    },
    async recent(browserId, limit) {
      const rows = await db.query<{ id: bigint; payload: string }>(sql`
        SELECT id, payload FROM web_chat_messages WHERE browser_id = ${browserId}::text ORDER BY id DESC LIMIT ${limit}::int`);
      return rows.reverse().map((r): TranscriptEntry => ({
        ...(JSON.parse(secrets.decrypt(r.payload)) as TranscriptMessage),
        mid: `m${r.id}`,
      }));
    },
  };
}
