/**
 * Domain events are written to the outbox inside the transaction that causes them, so they exist
 * exactly when the change committed; each named consumer (app/events, docs/events.md) reads them after
 * commit at its own pace. Their types and payloads are the event catalog's (core/events/catalog.ts), and
 * `recordEvents` (core/events) writes them.
 */
export interface DomainEvent<T extends string = string, P = Record<string, unknown>> {
  type: T;
  payload: P;
}

/** JSON-safe copy: BigInt becomes a decimal string, Dates ISO strings. */
export function toJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
}
