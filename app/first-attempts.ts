import type { FulfilResult } from "../core/flows/index.ts";
import type { Order } from "../core/orders/index.ts";

export interface FirstAttemptsDeps {
  /** Runs the fulfil flow from the order as committed (`FulfilOptions.known`). */
  fulfil(order: Order): Promise<FulfilResult>;
  /** Hands the order to the fulfil job (BullMQ: retries with backoff). */
  enqueue(orderId: string): Promise<void>;
  /** Attempts running at once in this process; past it, orders go to the queue as before. */
  limit: number;
}

export interface FirstAttempts {
  /** Starts the first attempt at a paid order, or enqueues it when this process is at its limit. */
  start(order: Order): void;
  /** True for an order whose first attempt this process started (recently): the dispatcher skips it. */
  attemptedHere(orderId: string): boolean;
  /** Resolves once every attempt started so far has ended. */
  idle(): Promise<void>;
}

const REMEMBERED = 10_000;

/**
 * The first fulfilment attempt of a paid order, run right after the commit in the process that committed
 * it when that process runs the fulfil workers (issue 15 §3): no queue hop and no read of the order —
 * a DIRECT order costs its placement, FULFILLING with its request row, and the delivery. BullMQ stays for
 * what an attempt cannot finish: one that throws (`FulfilmentRetry`, a failure) is enqueued as the fulfil
 * job and retried with backoff; a crash mid-attempt is recovered by the stuck-order sweeper (and by the
 * fulfilment dispatcher when another process handled the event). Exactly once holds as for concurrent
 * jobs: every write checks the order's status, the supplier dedupes on the request key.
 */
export function createFirstAttempts(deps: FirstAttemptsDeps): FirstAttempts {
  const started = new Set<string>();
  const running = new Set<Promise<void>>();
  const remember = (orderId: string) => {
    started.add(orderId);
    if (started.size > REMEMBERED) started.delete(started.values().next().value!);
  };
  return {
    start(order) {
      if (running.size >= deps.limit) {
        void deps.enqueue(order.id);
        return;
      }
      remember(order.id);
      const attempt = deps.fulfil(order).then(
        () => {},
        () => deps.enqueue(order.id),
      );
      running.add(attempt);
      void attempt.finally(() => running.delete(attempt));
    },
    attemptedHere: (orderId) => started.has(orderId),
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
