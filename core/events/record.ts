import { sql, toJson, type SqlExecutor } from "../shared/index.ts";
import { parseEventPayload, type NewEvent } from "./catalog.ts";

/**
 * Writes `events` to the outbox in the caller's transaction — a runner `SqlTx`, or a Prisma transaction
 * through `prismaExecutor(tx)`. Each payload is parsed against the catalog first: a payload that does not
 * match throws `InvalidEventPayload` and nothing is written (the caller's transaction rolls back).
 */
export async function recordEvents(db: SqlExecutor, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  const types = events.map((e) => e.type);
  const payloads = events.map((e) => JSON.stringify(toJson(parseEventPayload(e.type, e.payload))));
  await db.execute(sql`INSERT INTO outbox_events (type, payload)
    SELECT e.type, e.payload::jsonb FROM unnest(${types}::text[], ${payloads}::text[]) WITH ORDINALITY AS e(type, payload, n)
    ORDER BY e.n`);
}
