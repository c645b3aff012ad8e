import {
  SubscriberFailedError,
  type BatchPreparer,
  type EventBus,
  type EventHandler,
  type PublishedEvent,
} from "./event-bus.port.ts";

/** Dispatches to subscribers in this process. Durability comes from the outbox, not from the bus. */
export class InProcessEventBus implements EventBus {
  private readonly handlers = new Map<string, Set<EventHandler>>();
  private readonly preparers = new Set<BatchPreparer>();

  onBatch(prepare: BatchPreparer): () => void {
    this.preparers.add(prepare);
    return () => void this.preparers.delete(prepare);
  }

  async prepare(events: PublishedEvent[]): Promise<void> {
    if (events.length === 0) return;
    const results = await Promise.allSettled([...this.preparers].map(async (p) => p(events)));
    const errors = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
    if (errors.length > 0) throw new AggregateError(errors, `${errors.length} batch preparer(s) failed`);
  }

  subscribe(type: string, handler: EventHandler): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    set.add(handler);
    return () => void set.delete(handler);
  }

  async publish(event: PublishedEvent): Promise<void> {
    const handlers = [...(this.handlers.get(event.type) ?? []), ...(this.handlers.get("*") ?? [])];
    // Every subscriber runs even when one fails, so a retry repeats only what is idempotent anyway.
    const results = await Promise.allSettled(handlers.map(async (h) => h(event)));
    const errors = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
    if (errors.length > 0) throw new SubscriberFailedError(event, errors);
  }
}
