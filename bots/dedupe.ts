import { sql, type SqlExecutor } from "../core/shared/sql.ts";

/*
 * Durable at-least-once dedupe for inbound turns and outbound messages: every statement on
 * `processed_updates` (owned here), run on the SqlRunner — each chat turn passes through it.
 */

/**
 * Records `(source, id)` in `processed_updates` and returns true only for the first delivery. `source`
 * is usually the channel name (e.g. "telegram").
 */
export async function markTurnProcessed(db: SqlExecutor, source: string, id: string): Promise<boolean> {
  const rows = await db.execute(sql`
    INSERT INTO processed_updates (source, update_id) VALUES (${source}::text, ${id}::text)
    ON CONFLICT DO NOTHING`);
  return rows === 1;
}

/** `markTurnProcessed` for many ids in one statement: the ids recorded now (the others were seen before). */
export async function markTurnsProcessed(db: SqlExecutor, source: string, ids: string[]): Promise<Set<string>> {
  const rows = await db.query<{ update_id: string }>(sql`
    INSERT INTO processed_updates (source, update_id)
    SELECT ${source}::text, id FROM unnest(${ids}::text[]) AS id
    ON CONFLICT DO NOTHING
    RETURNING update_id`);
  return new Set(rows.map((r) => r.update_id));
}

/** Forgets a delivery so a retry processes it again (use when handling failed before any effect). */
export async function unmarkTurnProcessed(db: SqlExecutor, source: string, id: string): Promise<void> {
  await db.execute(sql`DELETE FROM processed_updates WHERE source = ${source}::text AND update_id = ${id}::text`);
}

/** Whether `(source, id)` was recorded (for "send, then record" flows where losing beats duplicating less). */
export async function isTurnProcessed(db: SqlExecutor, source: string, id: string): Promise<boolean> {
  const rows = await db.query<{ one: number }>(sql`
    SELECT 1 AS one FROM processed_updates WHERE source = ${source}::text AND update_id = ${id}::text`);
  return rows.length > 0;
}
