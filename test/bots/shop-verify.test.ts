import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { residentIdCheckChar } from "../../core/kyc/index.ts";
import { sql, systemContext } from "../../core/shared/index.ts";
import { createBotHarness, plainOf, type BotHarness } from "./support/bot-harness.ts";

const id = (body17: string) => body17 + residentIdCheckChar(body17);
const GOOD = id("44010619900307123");

const sys = systemContext("test");
let h: BotHarness;
let ext = 5000;
const tg = (lang = "en", kind: "private" | "group" = "private") =>
  h.client({
    channel: "telegram",
    externalId: String(++ext),
    lang,
    kind,
    ...(kind === "group" ? { chatId: "-100777" } : {}),
  });

beforeAll(async () => {
  h = await createBotHarness("shopverify");
});
afterAll(() => h.dispose());

describe("/verify in the shop bot", () => {
  it("asks the name, then the ID number; names each problem; never echoes the number; submits once", async () => {
    const chat = tg();
    await chat.send("/verify");
    expect(chat.text).toMatch(/full name exactly as on your resident ID card/);
    expect(chat.last[0]!.kind).toBe("prompt");

    await chat.send("张3");
    expect(chat.text).toMatch(/only Chinese characters/);
    await chat.send("张三");
    expect(chat.text).toMatch(/18-character mainland resident ID number/);
    // The name waits only sealed in the conversation state.
    const states = await h.c.db.sql.query<{ state: unknown }>(sql`SELECT state FROM conversation_states`);
    expect(JSON.stringify(states)).not.toContain("张三");

    const wrong: Array<[string, RegExp]> = [
      [GOOD.slice(0, 17), /exactly 18 characters/],
      ["44010619900307123A", /17 digits followed by a digit or X/],
      [id("99010619900307123"), /not a mainland region code/],
      [id("44010619901307123"), /not a real date/],
      [id("44010620990101123"), /in the future/],
      [id("44010620200101123"), /18 or older/],
      [GOOD.slice(0, 17) + (GOOD[17] === "1" ? "2" : "1"), /check digit does not match/],
    ];
    for (const [number, message] of wrong) {
      const replies = await chat.send(number);
      expect(plainOf(replies)).toMatch(message);
      expect(plainOf(replies)).not.toContain(number);
      expect(plainOf(replies)).not.toContain(number.slice(0, 10));
    }
    // Every answer to a message with a number asks the channel to delete that message; the name step does not.
    expect(chat.last.every((r) => r.kind !== "prompt" || r.forgetInput === true)).toBe(true);
    const done = plainOf(await chat.send(GOOD));
    expect(chat.last.every((r) => r.kind !== "text" || r.forgetInput === true)).toBe(true);
    expect(done).toMatch(/being reviewed/);
    expect(done).toContain(`4401**********${GOOD.slice(-4)}`);
    expect(done).not.toContain(GOOD);
    const userId = await h.userIdOf("telegram", chat.opts.externalId);
    expect(await h.c.kyc.state(sys, userId)).toMatchObject({ status: "PENDING" });

    // A second /verify says where it stands.
    await chat.send("/verify");
    expect(chat.text).toMatch(/being reviewed/);
  });

  it("tells the user the staff decision, in their language", async () => {
    const chat = tg("zh-hans");
    await chat.send("/verify");
    expect(chat.text).toMatch(/请发送您的姓名/);
    await chat.send("李四");
    await chat.send(id("11010519850101123"));
    expect(chat.text).toMatch(/正在审核/);
    const userId = await h.userIdOf("telegram", chat.opts.externalId);
    const [sub] = await h.c.kyc.queue(sys, { limit: 200 }).then((q) => q.filter((s) => s.userId === userId));
    const r = await h.c.kyc.reject(sys, { submissionId: sub!.id, reason: "照片不清晰" });
    expect(r.ok).toBe(true);
    const out = await h.bot.onDomainEvent({
      type: "kyc.rejected",
      payload: { submissionId: sub!.id, userId, status: "REJECTED", reason: "照片不清晰" },
    });
    expect(out).toHaveLength(1);
    expect(plainOf(out[0]!.replies)).toMatch(/实名认证未通过：照片不清晰/);
    await chat.send("/verify");
    expect(chat.text).toMatch(/上次的实名认证未通过：照片不清晰/);
  });

  it("in a group, sends the user to a private chat and reads no ID number there", async () => {
    const chat = tg("en", "group");
    const replies = await chat.send("/verify");
    expect(replies.some((r) => r.kind === "deep_link" || /private/i.test(plainOf([r])))).toBe(true);
    expect(await chat.send(GOOD)).toEqual([]);
  });
});
