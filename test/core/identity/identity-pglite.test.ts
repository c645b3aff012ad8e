import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../../app/db/database.ts";
import { createConversations } from "../../../core/conversations/index.ts";
import { createIdentity } from "../../../core/identity/index.ts";
import { ManualClock, systemContext } from "../../../core/shared/index.ts";
import { createPgliteDatabase } from "../../support/databases.ts";

const ctx = systemContext("test");

/** The embedded default runs on PGlite: the same SQL must work there. */
describe("identity and conversations on PGlite", () => {
  let db: Database;
  beforeAll(async () => {
    db = await createPgliteDatabase();
  });
  afterAll(() => db.close());

  it("resolves, links and keeps conversation state", async () => {
    const clock = new ManualClock();
    const identity = createIdentity({ sql: db.sql, clock });
    const conv = createConversations({ sql: db.sql, clock });
    const [a, b] = await Promise.all([
      identity.resolve(ctx, { channel: "web", externalId: "w1", displayName: "A", privateChat: true }),
      identity.resolve(ctx, { channel: "web", externalId: "w1", displayName: "A", privateChat: true }),
    ]);
    expect(a.user.id).toBe(b.user.id);
    const tg = await identity.resolve(ctx, { channel: "telegram", externalId: "7", displayName: "T" });
    const { code } = await identity.createLinkCode(ctx, { userId: a.user.id });
    expect(await identity.consumeLinkCode(ctx, { code, channel: "telegram", externalId: "7" })).toEqual({
      ok: true,
      userId: a.user.id,
      previousUserId: tg.user.id,
    });
    const key = { userId: a.user.id, channel: "web", chatId: "w1" };
    await conv.update(ctx, key, () => ({ state: { step: "x" }, result: null }));
    expect(await conv.get(ctx, key)).toEqual({ state: { step: "x" }, version: 1 });
  });
});
