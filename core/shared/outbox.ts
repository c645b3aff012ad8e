import type { Prisma } from "../../prisma/generated/client.ts";
import type { Tx } from "./db.ts";

/**
 * Domain events are written to the outbox inside the transaction that causes them, so they exist
 * exactly when the change committed; the relay (app/events) publishes them after commit.
 */
export interface DomainEvent<T extends string = string, P = Record<string, unknown>> {
  type: T;
  payload: P;
}

export async function recordEvents(tx: Tx, events: DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx.outboxEvent.createMany({
    data: events.map((e) => ({ type: e.type, payload: toJson(e.payload) as Prisma.InputJsonValue })),
  });
}

/** JSON-safe copy: BigInt becomes a decimal string, Dates ISO strings. */
export function toJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
}
