import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKeys } from "../../../channels/api/index.ts";
import type { Sql, SqlExecutor } from "../../../core/shared/index.ts";
import { createShop, type Shop } from "../../e2e/support/shop.ts";

/**
 * API-key verification (issue 15 §2): concurrent cache misses share lookups — one buyer's burst costs one
 * lookup, and a burst of many new buyers a few statements (every key missed meanwhile in one), not one each.
 */
describe("API keys: cold keys looked up together", () => {
  let shop: Shop;
  let lookups = 0;
  let sql: SqlExecutor;

  beforeAll(async () => {
    shop = await createShop("apikeys", { workers: false });
    const inner = shop.c.db.sql;
    // The real runner, with its key lookups counted.
    const counted = (s: Sql) => {
      if (/FROM api_keys WHERE key_hash/.test(s.sql)) lookups++;
    };
    sql = {
      query: (s) => (counted(s), inner.query(s)),
      execute: (s) => (counted(s), inner.execute(s)),
    };
  });
  afterAll(() => shop.dispose());

  const keys = () => createApiKeys({ db: shop.prisma, sql, clock: shop.c.clock, secrets: shop.c.secrets });

  it("50 concurrent verifications of a cold key: one lookup, every caller answered alike", async () => {
    const k = keys();
    const userId = await shop.user();
    const { key } = await k.create({ userId, name: "burst" });
    lookups = 0;
    const callers = await Promise.all(Array.from({ length: 50 }, () => k.verify(key)));
    expect(lookups).toBe(1);
    expect(new Set(callers.map((c) => c?.userId))).toEqual(new Set([userId]));
    // Cached afterwards; an unknown key is looked up once too, and answers null.
    await k.verify(key);
    expect(lookups).toBe(1);
    const unknown = "kmg_live_" + "Z".repeat(32);
    expect(await Promise.all([k.verify(unknown), k.verify(unknown)])).toEqual([null, null]);
    expect(lookups).toBe(2);
  });

  it("200 new keys at once, some unknown or revoked: a few lookups, each caller gets its own answer", async () => {
    const k = keys();
    const users = await Promise.all(Array.from({ length: 20 }, () => shop.user()));
    const created = await Promise.all(users.map((userId, i) => k.create({ userId, name: `many-${i}` })));
    await k.revoke({ idOrPrefix: created[0]!.id });
    const unknown = Array.from({ length: 10 }, (_, i) => `kmg_live_${String(i).padStart(32, "Q")}`);
    const presented = [...created.map((c) => c.key), ...unknown];
    lookups = 0;
    // Arriving over several turns of the event loop, as HTTP requests do.
    const answers = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        if (i % 7 === 0) await new Promise((r) => setImmediate(r));
        const key = presented[i % presented.length]!;
        return { key, caller: await k.verify(key) };
      }),
    );
    expect(lookups).toBeLessThanOrEqual(3);
    for (const { key, caller } of answers) {
      const n = created.findIndex((c) => c.key === key);
      expect(caller?.userId ?? null).toBe(n > 0 ? users[n]! : null);
      if (n > 0) expect(caller?.keyId).toBe(created[n]!.id);
    }
    // Their use is marked (one statement a lookup), before the callers are answered.
    await expect
      .poll(async () =>
        shop.prisma.apiKey.count({ where: { id: { in: created.map((c) => c.id) }, lastUsedAt: { not: null } } }),
      )
      .toBe(created.length - 1);
  });

  it("a lookup in flight when the key is revoked does not cache it: the next call looks again and refuses", async () => {
    const k = keys();
    const userId = await shop.user();
    const created = await k.create({ userId, name: "revoked" });
    lookups = 0;
    const inFlight = k.verify(created.key);
    await k.revoke({ idOrPrefix: created.id });
    await inFlight;
    expect(await k.verify(created.key)).toBeNull();
    expect(lookups).toBe(2);
  });
});
