import type { Order } from "../orders/index.ts";
import { batchedLookup } from "../shared/index.ts";

interface OrderKey {
  userId: string;
  idempotencyKey: string;
}

const idOf = (k: OrderKey) => `${k.userId.toLowerCase()} ${k.idempotencyKey}`;

/**
 * "Has this idempotency key already placed an order?", asked by every placement that is refused (a retry
 * of a sale must get its order back, not the refusal). Batched (core/shared/batched-lookup.ts): a burst of
 * refused buyers — 950 after a sold-out drop — costs a few statements instead of one round trip each.
 */
export function createIdempotencyLookups(find: (keys: ReadonlyArray<OrderKey>) => Promise<Order[]>) {
  const lookup = batchedLookup<OrderKey, Order>({
    id: idOf,
    load: async (keys) => new Map((await find(keys)).map((o) => [idOf(o), o])),
  });
  return {
    /** The order placed under (userId, idempotencyKey), or null. */
    find: (userId: string, idempotencyKey: string): Promise<Order | null> => lookup({ userId, idempotencyKey }),
  };
}

export type IdempotencyLookups = ReturnType<typeof createIdempotencyLookups>;
