import { invalidData, type CoreContext, type TxOptions } from "../shared/index.ts";
import type { InventoryDeps } from "./inventory.types.ts";
import { assertUuid, countAvailable } from "./sql.ts";

/** "Tell me when it's back": (re)subscribing clears an earlier notification so the user hears again. */
export async function subscribeRestock(
  deps: InventoryDeps,
  _ctx: CoreContext,
  input: { userId: string; productId: string; channel: string },
  opts?: TxOptions,
): Promise<{ ok: true; created: boolean }> {
  assertUuid(input.userId, "userId");
  assertUuid(input.productId, "productId");
  if (!/^[a-z]{2,16}$/.test(input.channel)) throw invalidData("invalid_channel", "channel must be a channel name");
  const client = opts?.tx ?? deps.db;
  const [row] = await client.$queryRaw<{ created: boolean }[]>`
    INSERT INTO restock_subscriptions (user_id, product_id, channel, created_at)
    VALUES (${input.userId}::uuid, ${input.productId}::uuid, ${input.channel}, ${deps.clock.now()})
    ON CONFLICT (user_id, product_id) DO UPDATE SET channel = EXCLUDED.channel, notified_at = NULL
    RETURNING (xmax = 0) AS created`;
  return { ok: true, created: row?.created ?? false };
}

export async function unsubscribeRestock(
  deps: InventoryDeps,
  _ctx: CoreContext,
  input: { userId: string; productId: string },
  opts?: TxOptions,
): Promise<{ removed: boolean }> {
  assertUuid(input.userId, "userId");
  assertUuid(input.productId, "productId");
  const client = opts?.tx ?? deps.db;
  const n = await client.restockSubscription.deleteMany({
    where: { userId: input.userId, productId: input.productId },
  });
  return { removed: n.count > 0 };
}

/**
 * The subscribers to notify now that the product is in stock, oldest first; they are marked notified
 * in the same statement, so concurrent relays never both get one. Run it in the transaction that
 * enqueues the notifications. Returns nothing while the product has no available codes.
 */
export async function dueRestockNotifications(
  deps: InventoryDeps,
  _ctx: CoreContext,
  input: { productId: string; limit?: number },
  opts?: TxOptions,
): Promise<{ userId: string; channel: string }[]> {
  assertUuid(input.productId, "productId");
  const client = opts?.tx ?? deps.db;
  const now = deps.clock.now();
  if ((await countAvailable(client, input.productId, now)) === 0) return [];
  const limit = Math.max(1, Math.min(Math.trunc(input.limit ?? 1000), 10_000));
  return client.$queryRaw<{ userId: string; channel: string }[]>`
    UPDATE restock_subscriptions s SET notified_at = ${now}
    FROM (
      SELECT user_id, product_id FROM restock_subscriptions
      WHERE product_id = ${input.productId}::uuid AND notified_at IS NULL
      ORDER BY created_at, user_id
      LIMIT ${limit}::int
      FOR UPDATE SKIP LOCKED
    ) due
    WHERE s.user_id = due.user_id AND s.product_id = due.product_id
    RETURNING s.user_id AS "userId", s.channel`;
}
