import { parseEventPayload, type NewEvent } from "../events/catalog.ts";
import type { Tx } from "./db.ts";
import { prismaExecutor, sql, type SqlExecutor } from "./sql.ts";

/**
 * Domain events are written to the outbox inside the transaction that causes them, so they exist
 * exactly when the change committed; each named consumer (app/events, docs/events.md) reads them after
 * commit at its own pace. Their types and payloads are the event catalog's (core/events/catalog.ts).
 */
export interface DomainEvent<T extends string = string, P = Record<string, unknown>> {
  type: T;
  payload: P;
}

/**
 * Writes `events` to the outbox in the caller's transaction — a `SqlTx` of the SqlRunner port, or a
 * Prisma transaction. Each payload is parsed against the catalog first: a payload that does not match
 * throws `InvalidEventPayload` and nothing is written (the caller's transaction rolls back).
 */
export async function recordEvents(db: SqlExecutor | Tx, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  const types = events.map((e) => e.type);
  const payloads = events.map((e) => JSON.stringify(toJson(parseEventPayload(e.type, e.payload))));
  const executor = "$executeRaw" in db ? prismaExecutor(db) : db;
  await executor.execute(sql`INSERT INTO outbox_events (type, payload)
    SELECT e.type, e.payload::jsonb FROM unnest(${types}::text[], ${payloads}::text[]) WITH ORDINALITY AS e(type, payload, n)
    ORDER BY e.n`);
}

/** JSON-safe copy: BigInt becomes a decimal string, Dates ISO strings. */
export function toJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
}
