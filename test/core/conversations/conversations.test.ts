import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConversations } from "../../../core/conversations/index.ts";
import { createIdentity } from "../../../core/identity/index.ts";
import { ManualClock, systemContext } from "../../../core/shared/index.ts";
import { createTestDatabase, type TestDatabase } from "../../support/databases.ts";

const ctx = systemContext("test");

describe("conversation state", () => {
  let t: TestDatabase;
  let key: { userId: string; channel: string; chatId: string };
  const clock = new ManualClock();
  let conv: ReturnType<typeof createConversations>;
  beforeAll(async () => {
    t = await createTestDatabase("conversations");
    conv = createConversations({ sql: t.db.sql, clock });
    const u = await createIdentity({ sql: t.db.sql, clock }).resolve(ctx, {
      channel: "telegram",
      externalId: "1",
      displayName: "A",
    });
    key = { userId: u.user.id, channel: "telegram", chatId: "1" };
  });
  afterAll(() => t.drop());

  it("starts empty and versions every write", async () => {
    expect(await conv.get(ctx, key)).toEqual({ state: null, version: 0 });
    const a = await conv.update<{ n: number }, string>(ctx, key, (s) => ({
      state: { n: (s?.n ?? 0) + 1 },
      result: "a",
    }));
    expect(a).toMatchObject({ result: "a", version: 1, written: true, state: { n: 1 } });
    const b = await conv.update<{ n: number }, null>(ctx, key, () => ({ result: null }));
    expect(b).toMatchObject({ written: false, version: 1 });
    expect(await conv.get(ctx, key)).toEqual({ state: { n: 1 }, version: 1 });
  });

  it("never loses an update under concurrency (compare-and-swap)", async () => {
    await Promise.all(
      Array.from({ length: 20 }, () =>
        conv.update<{ n: number }, void>(ctx, key, (s) => ({ state: { n: (s?.n ?? 0) + 1 }, result: undefined }), {
          maxAttempts: 100,
        }),
      ),
    );
    expect((await conv.get<{ n: number }>(ctx, key)).state).toEqual({ n: 21 });
  });

  it("lets exactly one of two racing flows take a one-shot token", async () => {
    await conv.update(ctx, key, () => ({ state: { token: "abc" }, result: null }));
    const take = () =>
      conv.update<{ token?: string }, boolean>(ctx, key, (s) =>
        s?.token === "abc" ? { state: {}, result: true } : { result: false },
      );
    const results = await Promise.all([take(), take(), take()]);
    expect(results.filter((r) => r.result)).toHaveLength(1);
  });

  it("compareAndSet refuses a stale version; clear resets", async () => {
    const cur = await conv.get(ctx, key);
    expect(await conv.compareAndSet(ctx, key, cur.version - 1, { x: 1 })).toBeNull();
    expect(await conv.compareAndSet(ctx, key, cur.version, { x: 2 })).toBe(cur.version + 1);
    await conv.clear(ctx, key);
    expect(await conv.get(ctx, key)).toEqual({ state: null, version: 0 });
  });

  it("refuses oversized state and bad keys", async () => {
    await expect(
      conv.update(ctx, key, () => ({ state: { big: "x".repeat(20_000) }, result: null })),
    ).rejects.toMatchObject({
      code: "conversation_state_too_large",
    });
    await expect(conv.get(ctx, { ...key, userId: "nope" })).rejects.toMatchObject({ code: "invalid_conversation_key" });
  });
});
