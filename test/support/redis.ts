import { randomBytes } from "node:crypto";

/** A key prefix of this test file's own, so files can share the one Redis in parallel. */
export function testRedisPrefix(label: string): string {
  return `kt-${label.replace(/[^a-zA-Z0-9]+/g, "")}-${process.pid}-${randomBytes(3).toString("hex")}`;
}

/** Deletes every key under `prefix:` (a test file's or a bench run's BullMQ queues). */
export async function deleteRedisPrefix(url: string, prefix: string): Promise<void> {
  const { Redis } = await import("ioredis");
  const r = new Redis(url, { maxRetriesPerRequest: null });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await r.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== "0");
  } finally {
    r.disconnect();
  }
}
