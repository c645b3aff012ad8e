/**
 * In-process domain events, as published by the outbox relay after their transaction committed.
 *
 * Delivery is at least once: when any subscriber of an event fails, the relay leaves the event
 * unpublished and later dispatches it again to *every* subscriber of its type. So subscribers must
 * be idempotent — typically they enqueue a job under a `jobId` derived from the event (e.g.
 * `fulfil:<orderId>`) or check state before acting — and should be quick: they run while the relay
 * holds the event's row lock, so do slow work in a job, not in the subscriber.
 */
export interface PublishedEvent<P = Record<string, unknown>> {
  /** The outbox row id (a decimal string): unique, increasing, usable as an idempotency key. */
  id: string;
  type: string;
  payload: P;
  createdAt: Date;
}

export type EventHandler = (event: PublishedEvent) => Promise<void> | void;

export interface EventBus {
  /** `"*"` receives every event. Returns a function that unsubscribes. */
  subscribe(type: string, handler: EventHandler): () => void;
  /** Runs every matching subscriber; rejects with `SubscriberFailedError` when any of them failed. */
  publish(event: PublishedEvent): Promise<void>;
  /**
   * Registers a preparer: called with each batch the relay is about to publish (one event at a time),
   * so a subscriber can read what the whole batch needs at once. Returns a function that unregisters.
   */
  onBatch(prepare: BatchPreparer): () => void;
  /** Runs the preparers for a batch. A failing preparer is only reported: the events still go out. */
  prepare(events: PublishedEvent[]): Promise<void>;
}

export type BatchPreparer = (events: PublishedEvent[]) => Promise<void> | void;

export class SubscriberFailedError extends AggregateError {
  constructor(
    readonly event: Pick<PublishedEvent, "id" | "type">,
    errors: unknown[],
  ) {
    super(errors, `${errors.length} subscriber(s) of ${event.type} #${event.id} failed`);
    this.name = "SubscriberFailedError";
  }
}
