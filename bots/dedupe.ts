import type { DbOrTx } from "../core/shared/db.ts";

/**
 * Durable at-least-once dedupe for inbound turns: records `(source, id)` in `processed_updates` and
 * returns true only for the first delivery. `source` is usually the channel name (e.g. "telegram").
 */
export async function markTurnProcessed(db: DbOrTx, source: string, id: string): Promise<boolean> {
  const rows = await db.$executeRaw`
    INSERT INTO processed_updates (source, update_id) VALUES (${source}, ${id})
    ON CONFLICT DO NOTHING`;
  return rows === 1;
}

/** Forgets a delivery so a retry processes it again (use when handling failed before any effect). */
export async function unmarkTurnProcessed(db: DbOrTx, source: string, id: string): Promise<void> {
  await db.$executeRaw`DELETE FROM processed_updates WHERE source = ${source} AND update_id = ${id}`;
}

/** Whether `(source, id)` was recorded (for "send, then record" flows where losing beats duplicating less). */
export async function isTurnProcessed(db: DbOrTx, source: string, id: string): Promise<boolean> {
  const rows = await db.$queryRaw<{ one: number }[]>`
    SELECT 1 AS one FROM processed_updates WHERE source = ${source} AND update_id = ${id}`;
  return rows.length > 0;
}
