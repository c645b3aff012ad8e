import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKeys } from "../../../channels/api/index.ts";
import type { Db } from "../../../core/shared/index.ts";
import { createShop, type Shop } from "../../e2e/support/shop.ts";

/** API-key verification: concurrent cache misses for one key share one lookup (a burst from one buyer). */
describe("API keys: one lookup per cold key", () => {
  let shop: Shop;
  let lookups = 0;
  let db: Db;

  beforeAll(async () => {
    shop = await createShop("apikeys", { workers: false });
    const prisma = shop.prisma;
    // The real client, with its key lookups counted.
    const apiKey = new Proxy(prisma.apiKey, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (prop === "findUnique")
          return (...args: unknown[]) => {
            lookups++;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    db = new Proxy(prisma, { get: (t, p) => (p === "apiKey" ? apiKey : Reflect.get(t, p)) });
  });
  afterAll(() => shop.dispose());

  const keys = () => createApiKeys({ db, clock: shop.c.clock, secrets: shop.c.secrets });

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
