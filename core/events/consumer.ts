import type { CommittedEvent, EventType } from "./catalog.ts";

/**
 * A named consumer of committed domain events (docs/events.md). Each consumer keeps its own cursor over
 * the outbox, so it gets every event of its `types` at least once — whichever process committed the
 * event and whichever processes run — and a slow or failing consumer holds back only itself.
 *
 * Handlers must be idempotent on `event.id` (a crash between handling and recording the cursor repeats
 * the events of that batch; a failed event is retried), and quick: slow work belongs in a job.
 */
export interface EventConsumer<T extends EventType = EventType> {
  /** Stable name: the consumer's row (cursor, lease, failures) is keyed by it. Renaming starts a new consumer. */
  readonly name: string;
  /** The event types it reads. A type added later is read from then on (events of it before are not replayed). */
  readonly types: readonly T[];
  /**
   * Where a consumer seen for the first time starts: at the first event in the outbox, or at the events
   * committed from now on. (The consumers of the old relay were placed by the migration.)
   */
  readonly startFrom: "beginning" | "now";
  /**
   * Called once with each batch before its events are handled one by one, so that what they all need
   * is read at once (the shop bot reads the batch's users' chats in one query). A failing preparer is
   * only logged: the events are still handled.
   */
  prepare?(events: ReadonlyArray<CommittedEvent<T>>): Promise<void> | void;
  /** Handles one event; a throw records a failure, retried with backoff and parked after `maxAttempts`. */
  handle(event: CommittedEvent<T>): Promise<void> | void;
  /** Attempts before a failing event is parked (default: the runner's, 10). */
  readonly maxAttempts?: number;
  /**
   * Events of a batch handled at once (default 1: one after another, in order). With more, events with
   * the same `key` are still handled one after another in order (e.g. one user's messages); others may
   * overlap. Without a `key`, concurrent events are unordered.
   */
  readonly concurrency?: number;
  key?(event: CommittedEvent<T>): string;
}

/** Declares a consumer with its event types inferred (`defineConsumer({ types: ["order.paid"], … })`). */
export function defineConsumer<const T extends EventType>(consumer: EventConsumer<T>): EventConsumer<T> {
  return consumer;
}
