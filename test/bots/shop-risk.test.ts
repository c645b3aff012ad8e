import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ctx } from "../e2e/support/shop.ts";
import { createBotHarness, plainOf, type BotHarness } from "./support/bot-harness.ts";

/** What a buyer hears when risk holds an order or asks for real-name verification (docs/risk.md). */
describe("the shop bot and risk decisions", () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await createBotHarness("shoprisk", { workers: false, env: { RISK_ENABLED: "true" } });
  });
  afterAll(() => h.dispose());

  async function buy(lang: "en" | "zh-CN", price: bigint, who: string) {
    const product = await h.shop.codeProduct({ price, stock: 2 });
    const cat = (await h.c.catalog.listCategories(ctx)).find((c) => c.id === product.categoryId)!;
    const chat = h.client({ channel: "telegram", externalId: who, lang });
    await chat.send("/start");
    const userId = await h.userIdOf("telegram", who);
    await h.fund(userId, 1_000_000n);
    await chat.press(lang === "en" ? /Shop/ : /商城/);
    await chat.press(lang === "en" ? cat.nameEn : cat.nameZh);
    await chat.press(lang === "en" ? /Test card/ : /测试卡/);
    await chat.press("1");
    const replies = await chat.press(lang === "en" ? /from wallet/ : /用钱包支付/);
    return { userId, text: plainOf(replies) };
  }

  it.each([
    ["en", /Order .* is being checked and will continue once approved/],
    ["zh-CN", /正在审核中，审核通过后继续处理/],
  ] as const)("a held order (%s): paid, being checked", async (lang, message) => {
    const { userId, text } = await buy(lang, 60_000n, `held-${lang}`);
    expect(text).toMatch(message);
    expect(await h.balance(userId)).toBe(1_000_000n - 60_000n);
  });

  it.each([
    ["en", /needs real-name verification first.*reference R-/s],
    ["zh-CN", /需要先完成实名认证.*参考号 R-/s],
  ] as const)("over the unverified limit (%s): verify first, nothing charged", async (lang, message) => {
    const { userId, text } = await buy(lang, 250_000n, `kyc-${lang}`);
    expect(text).toMatch(message);
    expect(await h.balance(userId)).toBe(1_000_000n);
    expect(await h.orderCount(userId)).toBe(0);
  });
});
