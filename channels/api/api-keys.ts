import { randomBytes } from "node:crypto";
import { constantTimeEqual, newId, notFound, type Clock, type Db, type SecretBox } from "../../core/shared/index.ts";

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
  db: Db;
  clock: Clock;
  secrets: SecretBox;
  /** Verified keys are remembered this long (a revoked key stops working within it). */
  cacheMs?: number;
}

export function createApiKeys({ db, clock, secrets, cacheMs = 2_000 }: ApiKeysDeps) {
  const cache = new Map<string, { at: number; caller: ApiCaller | null }>();
  /** Lookups in flight by key hash: concurrent misses for one key share one (a burst of one buyer's requests). */
  const inFlight = new Map<string, Promise<ApiCaller | null>>();
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
      inFlight.clear();
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
      const shared = inFlight.get(hash);
      if (shared) return shared;
      const lookup = lookUp(hash, now).finally(() => {
        if (inFlight.get(hash) === lookup) inFlight.delete(hash);
      });
      inFlight.set(hash, lookup);
      return lookup;
    },
  };

  async function lookUp(hash: string, now: number): Promise<ApiCaller | null> {
    const started = generation;
    const row = await db.apiKey.findUnique({
      where: { keyHash: hash },
      select: { id: true, userId: true, keyHash: true, revokedAt: true },
    });
    const caller =
      row && row.revokedAt === null && constantTimeEqual(row.keyHash, hash)
        ? { keyId: row.id, userId: row.userId }
        : null;
    if (started === generation) {
      if (cache.size > 10_000) cache.clear();
      cache.set(hash, { at: now, caller });
    }
    if (caller && now - (lastUsedWritten.get(caller.keyId) ?? 0) > 60_000) {
      lastUsedWritten.set(caller.keyId, now);
      void db.apiKey.update({ where: { id: caller.keyId }, data: { lastUsedAt: new Date(now) } }).catch(() => {});
    }
    return caller;
  }
}

export type ApiKeys = ReturnType<typeof createApiKeys>;
