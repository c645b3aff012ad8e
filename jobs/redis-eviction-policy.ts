/**
 * BullMQ keeps jobs as ordinary Redis keys: under any eviction policy but `noeviction` Redis may drop
 * them silently when memory runs short, losing orders. So the adapter refuses such a Redis at startup.
 */
export function assertNoEviction(policy: string | undefined): void {
  if (policy === "noeviction") return;
  throw new Error(
    `Redis maxmemory-policy is "${policy ?? "unknown"}", but BullMQ needs "noeviction" (otherwise Redis may evict ` +
      `queued jobs under memory pressure). Set \`maxmemory-policy noeviction\` in redis.conf or with ` +
      `\`CONFIG SET maxmemory-policy noeviction\`.`,
  );
}

/** Reads the policy with `CONFIG GET` (answered as `[name, value]`). */
export async function readEvictionPolicy(redis: {
  config(op: "GET", parameter: string): Promise<unknown>;
}): Promise<string | undefined> {
  const reply = await redis.config("GET", "maxmemory-policy");
  if (Array.isArray(reply) && typeof reply[1] === "string") return reply[1];
  if (reply && typeof reply === "object" && "maxmemory-policy" in reply)
    return String((reply as Record<string, unknown>)["maxmemory-policy"]);
  return undefined;
}
