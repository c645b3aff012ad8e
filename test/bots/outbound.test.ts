import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTurnProcessed, markTurnProcessed, unmarkTurnProcessed } from "../../bots/dedupe.ts";
import { createOutboundDelivery } from "../../bots/outbound.ts";
import type { OutboundMessage } from "../../bots/turn.ts";
import { createTestDatabase, type TestDatabase } from "../support/databases.ts";

describe("turn dedupe and outbound delivery", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase("outbound");
  });
  afterAll(() => t.drop());

  it("records a delivery id once, even concurrently", async () => {
    const db = t.db.sql;
    const results = await Promise.all(Array.from({ length: 8 }, () => markTurnProcessed(db, "telegram", "42")));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await isTurnProcessed(db, "telegram", "42")).toBe(true);
    expect(await isTurnProcessed(db, "web", "42")).toBe(false);
    await unmarkTurnProcessed(db, "telegram", "42");
    expect(await markTurnProcessed(db, "telegram", "42")).toBe(true);
  });

  it("sends each deduped message once, records only after a successful send, and skips unknown channels", async () => {
    const db = t.db.sql;
    const sent: string[] = [];
    let fail = true;
    const deliver = createOutboundDelivery({
      senders: {
        web: (m) => {
          if (fail && m.chatId === "flaky") throw new Error("network");
          sent.push(`${m.chatId}:${m.dedupeKey}`);
        },
      },
      dedupe: {
        seen: (k) => isTurnProcessed(db, "outbound", k),
        mark: async (k) => void (await markTurnProcessed(db, "outbound", k)),
      },
    });
    const msg = (chatId: string, dedupeKey?: string, channel: OutboundMessage["channel"] = "web"): OutboundMessage => ({
      userId: "u",
      channel,
      chatId,
      replies: [{ kind: "text", body: [{ text: "hi" }] }],
      ...(dedupeKey ? { dedupeKey } : {}),
    });
    expect(await deliver([msg("a", "k1"), msg("a", "k1"), msg("b"), msg("c", "k2", "telegram")])).toEqual({
      sent: 2,
      skipped: 2,
    });
    await expect(deliver([msg("flaky", "k3")])).rejects.toThrow("network");
    fail = false;
    expect(await deliver([msg("flaky", "k3"), msg("a", "k1")])).toEqual({ sent: 1, skipped: 1 });
    expect(sent).toEqual(["a:k1", "b:undefined", "flaky:k3"]);
  });
});
