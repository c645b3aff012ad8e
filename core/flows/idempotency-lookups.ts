import type { Order } from "../orders/index.ts";

/** Pairs looked up in one statement at most (a burst larger than this takes a few). */
const MAX_BATCH = 500;

interface Waiter {
  userId: string;
  idempotencyKey: string;
  resolve(order: Order | null): void;
  reject(e: unknown): void;
}

const keyOf = (userId: string, idempotencyKey: string) => `${userId.toLowerCase()} ${idempotencyKey}`;

/**
 * "Has this idempotency key already placed an order?", asked by every placement that is refused (a retry
 * of a sale must get its order back, not the refusal). The lookups asked while one statement runs are
 * answered together by the next: a burst of refused buyers — 950 after a sold-out drop — costs a few
 * statements instead of one round trip each. One statement runs at a time; a lone lookup starts at once.
 */
export function createIdempotencyLookups(
  find: (keys: ReadonlyArray<{ userId: string; idempotencyKey: string }>) => Promise<Order[]>,
) {
  let waiting: Waiter[] = [];
  let running = false;

  async function drain(): Promise<void> {
    try {
      while (waiting.length > 0) {
        const batch = waiting.slice(0, MAX_BATCH);
        waiting = waiting.slice(batch.length);
        try {
          const found = new Map<string, Order>();
          for (const o of await find(batch)) found.set(keyOf(o.userId, o.idempotencyKey), o);
          for (const w of batch) w.resolve(found.get(keyOf(w.userId, w.idempotencyKey)) ?? null);
        } catch (e) {
          for (const w of batch) w.reject(e);
        }
      }
    } finally {
      running = false;
    }
  }

  return {
    /** The order placed under (userId, idempotencyKey), or null. */
    find(userId: string, idempotencyKey: string): Promise<Order | null> {
      return new Promise<Order | null>((resolve, reject) => {
        waiting.push({ userId, idempotencyKey, resolve, reject });
        if (running) return;
        running = true;
        // Started after the lookups asked in this turn, so that they join it.
        queueMicrotask(() => void drain());
      });
    },
  };
}

export type IdempotencyLookups = ReturnType<typeof createIdempotencyLookups>;
