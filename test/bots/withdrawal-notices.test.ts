import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBotHarness, plainOf, type BotHarness } from "./support/bot-harness.ts";

let h: BotHarness;
beforeAll(async () => {
  h = await createBotHarness("withdrawalnotices");
});
afterAll(() => h.dispose());

describe("shop bot: a distributor is told how their withdrawal was decided", () => {
  const chatOf = async (lang: string, externalId: string) => {
    const chat = h.client({ channel: "telegram", externalId, lang });
    await chat.send("/start");
    return h.userIdOf("telegram", externalId);
  };
  const event = (type: "withdrawal.paid" | "withdrawal.rejected", userId: string, extra: Record<string, unknown>) =>
    h.bot.onDomainEvent({
      type,
      id: `${Math.floor(Math.random() * 1e9)}`,
      payload: {
        withdrawalId: "0190a0a0-0000-7000-8000-0000000000aa",
        userId,
        amount: "20000",
        currency: "CNY",
        ...extra,
      },
    } as never);

  it("paid: in their private chat, with what reaches the account", async () => {
    const userId = await chatOf("en", "7001");
    const out = await event("withdrawal.paid", userId, { fee: "200" });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ userId, channel: "telegram", chatId: "7001" });
    expect(plainOf(out[0]!.replies)).toContain("withdrawal of ¥200.00 was paid out: ¥198.00");
  });

  it("rejected, expired or failed: the amount is back, in their language", async () => {
    const userId = await chatOf("zh-hans", "7002");
    const rejected = await event("withdrawal.rejected", userId, { status: "REJECTED", reason: "姓名不符" });
    expect(plainOf(rejected[0]!.replies)).toContain("未通过审核（姓名不符）");
    const expired = await event("withdrawal.rejected", userId, { status: "EXPIRED", reason: "not decided in time" });
    expect(plainOf(expired[0]!.replies)).toContain("未在时限内审核");
    const failed = await event("withdrawal.rejected", userId, { status: "FAILED", reason: "account closed" });
    expect(plainOf(failed[0]!.replies)).toContain("打款失败");
  });
});
