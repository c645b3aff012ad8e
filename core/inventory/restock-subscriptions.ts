import { invalidData, type CoreContext, type SqlTxOptions } from "../shared/index.ts";
import type { InventoryDeps } from "./inventory.types.ts";
import { assertUuid, countAvailable, dueRestockSql, subscribeRestockSql, unsubscribeRestockSql } from "./sql.ts";

/** "Tell me when it's back": (re)subscribing clears an earlier notification so the user hears again. */
export async function subscribeRestock(
  deps: InventoryDeps,
  _ctx: CoreContext,
  input: { userId: string; productId: string; channel: string },
  opts?: SqlTxOptions,
): Promise<{ ok: true; created: boolean }> {
  assertUuid(input.userId, "userId");
  assertUuid(input.productId, "productId");
  if (!/^[a-z]{2,16}$/.test(input.channel)) throw invalidData("invalid_channel", "channel must be a channel name");
  const [row] = await (opts?.tx ?? deps.sql).query<{ created: boolean }>(
    subscribeRestockSql({ ...input, now: deps.clock.now() }),
  );
  return { ok: true, created: row?.created ?? false };
}

export async function unsubscribeRestock(
  deps: InventoryDeps,
  _ctx: CoreContext,
  input: { userId: string; productId: string },
  opts?: SqlTxOptions,
): Promise<{ removed: boolean }> {
  assertUuid(input.userId, "userId");
  assertUuid(input.productId, "productId");
  const n = await (opts?.tx ?? deps.sql).execute(unsubscribeRestockSql(input.userId, input.productId));
  return { removed: n > 0 };
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
  opts?: SqlTxOptions,
): Promise<{ userId: string; channel: string }[]> {
  assertUuid(input.productId, "productId");
  const client = opts?.tx ?? deps.sql;
  const now = deps.clock.now();
  if ((await countAvailable(client, input.productId, now)) === 0) return [];
  const limit = Math.max(1, Math.min(Math.trunc(input.limit ?? 1000), 10_000));
  return client.query<{ userId: string; channel: string }>(dueRestockSql(input.productId, limit, now));
}
