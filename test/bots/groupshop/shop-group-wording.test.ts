import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBotHarness, type BotHarness } from "../support/bot-harness.ts";

/** The shop bot's words in a group (an unbound one: the shop bot answers there) fit a group. */
describe("shop bot wording in a group", () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await createBotHarness("gswording");
  });
  afterAll(() => h.shop.dispose());

  it("the welcome and the product card do not promise codes in this chat; the private chat keeps its words", async () => {
    const p = await h.shop.codeProduct({ price: 500n, stock: 3 });
    const group = h.client({ channel: "telegram", externalId: "9101", kind: "group", chatId: "-100901", lang: "en" });
    await group.send("/start");
    expect(group.text).toMatch(/you buy in a private chat with me/);
    expect(group.text).not.toMatch(/codes arrive in this chat/);
    await group.send(`/start buy_${p.id}`);
    expect(group.text).toMatch(/never in this group/);
    expect(group.text).not.toMatch(/in this private chat/);

    const zh = h.client({ channel: "telegram", externalId: "9102", kind: "group", chatId: "-100902", lang: "zh-CN" });
    await zh.send("/start");
    expect(zh.text).toMatch(/购买请在与我的私聊中进行/);
    await zh.send(`/start buy_${p.id}`);
    expect(zh.text).toMatch(/绝不会发到本群/);

    const dm = h.client({ channel: "telegram", externalId: "9103", lang: "en" });
    await dm.send("/start");
    expect(dm.text).toMatch(/codes arrive in this chat/);
    await dm.send(`/start buy_${p.id}`);
    expect(dm.text).toMatch(/Delivered as a code in this private chat/);
  });
});
