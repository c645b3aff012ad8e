import { randomBytes } from "node:crypto";
import {
  batchedLookup,
  newId,
  notFound,
  sql as q,
  type Clock,
  type Db,
  type SecretBox,
  type SqlExecutor,
} from "../../core/shared/index.ts";

/**
 * Distributor API keys: `kmg_live_<32 base64url chars>`, shown once at creation. Only a keyed hash
 * (HMAC with the server's key) is stored, so a copy of the database alone cannot check a guess.
 */
export const API_KEY_PATTERN = /^kmg_(live|test)_[A-Za-z0-9_-]{32}$/;
const HASH_PURPOSE = "api-key";

export interface ApiCaller {
  keyId: string;
  userId: string;
}

export interface ApiKeysDeps {
  /** Admin paths (create, revoke, list). */
  db: Db;
  /** The hot path: every API request's key lookup and its last-used mark (docs/data-access.md). */
  sql: SqlExecutor;
  clock: Clock;
  secrets: SecretBox;
  /** Verified keys are remembered this long (a revoked key stops working within it). */
  cacheMs?: number;
}

export function createApiKeys({ db, sql, clock, secrets, cacheMs = 2_000 }: ApiKeysDeps) {
  const cache = new Map<string, { at: number; caller: ApiCaller | null }>();
  /**
   * Cold keys, looked up in batches (core/shared/batched-lookup.ts): a burst of new buyers (1,000 keys at
   * once) costs a few statements, not 1,000, and concurrent misses for one key share its lookup.
   */
  const lookUpCold = batchedLookup<string, ApiCaller>({ id: (hash) => hash, load: (hashes) => lookUp(hashes) });
  /** Bumped by every revoke: a lookup that started before one does not fill the cache. */
  let generation = 0;
  const lastUsedWritten = new Map<string, number>();
  const hashOf = (key: string) => secrets.keyedHash(key, HASH_PURPOSE);

  return {
    /** Creates a key for `userId`; the plain key is in the result and nowhere else. */
    async create(input: { userId: string; name: string; mode?: "live" | "test" }) {
      const user = await db.user.findUnique({ where: { id: input.userId }, select: { id: true } });
      if (!user) throw notFound("user_not_found", "no such user", { userId: input.userId });
      const key = `kmg_${input.mode ?? "live"}_${randomBytes(24).toString("base64url")}`;
      const row = await db.apiKey.create({
        data: {
          id: newId(),
          name: input.name,
          prefix: key.slice(0, 13),
          keyHash: hashOf(key),
          userId: input.userId,
          createdAt: clock.now(),
        },
      });
      return { id: row.id, prefix: row.prefix, name: row.name, userId: row.userId, key };
    },

    /** Revokes by id or by the shown prefix; returns how many keys were revoked. */
    async revoke(input: { idOrPrefix: string }) {
      const isUuid = /^[0-9a-f-]{36}$/i.test(input.idOrPrefix);
      const res = await db.apiKey.updateMany({
        where: { ...(isUuid ? { id: input.idOrPrefix } : { prefix: input.idOrPrefix }), revokedAt: null },
        data: { revokedAt: clock.now() },
      });
      generation++;
      cache.clear();
      return { revoked: res.count };
    },

    list(input: { userId?: string } = {}) {
      return db.apiKey.findMany({
        where: input.userId ? { userId: input.userId } : {},
        select: {
          id: true,
          name: true,
          prefix: true,
          userId: true,
          createdAt: true,
          revokedAt: true,
          lastUsedAt: true,
        },
        orderBy: { createdAt: "asc" },
      });
    },

    /** The caller of a presented key, or null (malformed, unknown or revoked). */
    async verify(presented: string): Promise<ApiCaller | null> {
      if (!API_KEY_PATTERN.test(presented)) return null;
      const hash = hashOf(presented);
      const now = clock.now().getTime();
      const hit = cache.get(hash);
      if (hit && now - hit.at < cacheMs) return hit.caller;
      return lookUpCold(hash);
    },
  };

  async function lookUp(hashes: string[]): Promise<Map<string, ApiCaller>> {
    const started = generation;
    const now = clock.now().getTime();
    const rows = await sql.query<{ id: string; user_id: string; key_hash: string; revoked: boolean }>(
      q`SELECT id::text AS id, user_id::text AS user_id, key_hash, revoked_at IS NOT NULL AS revoked
        FROM api_keys WHERE key_hash = ANY(${hashes}::text[])`,
    );
    const found = new Map<string, ApiCaller>();
    for (const row of rows) if (!row.revoked) found.set(row.key_hash, { keyId: row.id, userId: row.user_id });
    if (started === generation) {
      if (cache.size > 10_000) cache.clear();
      // A miss is remembered too: an unknown key costs one lookup per cache lifetime.
      for (const hash of hashes) cache.set(hash, { at: now, caller: found.get(hash) ?? null });
    }
    const touched = [...found.values()]
      .filter((c) => now - (lastUsedWritten.get(c.keyId) ?? 0) > 60_000)
      .map((c) => c.keyId);
    if (touched.length > 0) {
      for (const id of touched) lastUsedWritten.set(id, now);
      // Written before the callers go on (one statement for the whole batch, at most once a minute a key),
      // so a later change of the row is never overwritten by this mark; a failure only loses the mark.
      await sql
        .execute(q`UPDATE api_keys SET last_used_at = ${new Date(now)}::timestamptz WHERE id = ANY(${touched}::uuid[])`)
        .catch(() => {});
    }
    return found;
  }
}

export type ApiKeys = ReturnType<typeof createApiKeys>;
