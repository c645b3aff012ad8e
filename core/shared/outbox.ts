import { sql, type SqlExecutor } from "./sql.ts";

/**
 * Domain events are written to the outbox inside the transaction that causes them, so they exist
 * exactly when the change committed; the relay (app/events) publishes them after commit.
 */
export interface DomainEvent<T extends string = string, P = Record<string, unknown>> {
  type: T;
  payload: P;
}

/**
 * Writes the events in the caller's transaction, in order: a runner's `SqlTx`, or a Prisma transaction
 * through `prismaExecutor(tx)`.
 */
export async function recordEvents(tx: SqlExecutor, events: DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = JSON.stringify(events.map((e) => ({ type: e.type, payload: toJson(e.payload) })));
  await tx.execute(sql`INSERT INTO outbox_events (type, payload)
    SELECT e.value->>'type', e.value->'payload' FROM jsonb_array_elements(${rows}::jsonb) WITH ORDINALITY AS e
    ORDER BY e.ordinality`);
}

/** JSON-safe copy: BigInt becomes a decimal string, Dates ISO strings. */
export function toJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
}
