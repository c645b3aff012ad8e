import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep, systemContext } from "../../core/shared/index.ts";
import { createBotHarness, plainOf, type BotHarness } from "./support/bot-harness.ts";

const cli = systemContext("cli:test", { channel: "cli" });

let h: BotHarness;
beforeAll(async () => {
  h = await createBotHarness("agentdash", { bot: (shop) => ({ distribution: shop.c.distribution }) });
  h.c.events.host(h.c.distributionBookkeeper);
});
afterAll(() => h.dispose());

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await read();
    if (ok(v)) return v;
    await sleep(50);
  }
  return read();
}

describe("the dashboard after a sale in the distributor's shop", () => {
  it("shows the sale and the commission at delivery, and the tier it climbed to is told in chat", async () => {
    const product = await h.shop.codeProduct({ price: 600_000n, stock: 2, cost: 400_000n });
    const chat = h.client({ channel: "telegram", externalId: "9701", lang: "zh-hans", name: "Li" });
    await chat.send("/start");
    const userId = await h.userIdOf("telegram", "9701");
    await h.c.distribution.add(cli, { userId });
    const shop = await h.c.distribution.createShop(cli, { ownerId: userId, name: "Li's cards" });
    await h.c.distribution.setRule(cli, {
      scope: "SHOP",
      ownerId: shop.id,
      target: "all",
      mode: "FIXED_OVER_COST",
      value: 1_000n,
    });
    const buyer = await h.shop.buyer(1_000_000n);
    const placed = await h.c.orders.place(
      { ...cli, actor: { kind: "buyer", userId: buyer.userId } },
      {
        userId: buyer.userId,
        productId: product.id,
        quantity: 1,
        idempotencyKey: "dash-1",
        payWith: "wallet",
        shopId: shop.id,
      },
    );
    if (!placed.ok) throw new Error(placed.code);
    // Delivered, then counted by the bookkeeper (which upgrades at the crossing delivery).
    const d = await until(
      () => h.c.distribution.get(cli, userId),
      (x) => x?.tierId === "silver",
    );
    expect(d!.tierId).toBe("silver");

    const dash = plainOf(await chat.send("/agent"));
    expect(dash).toContain("等级：银牌");
    // Ordinary cost: 6,000.00 − 3% = 5,820.00; the shop sells at cost + 10.00 → commission 10.00.
    expect(dash).toContain("今日：1 单，¥5,830.00，佣金 ¥10.00");
    expect(dash).toContain("7 天：1 单，¥5,830.00，佣金 ¥10.00");
    expect(dash).toContain("30 天内再卖 ¥14,170.00 即升 金牌");
    expect(dash).toContain("钱包：¥10.00");

    const [row] = await h.prisma.$queryRaw<Array<{ id: bigint; payload: Record<string, unknown> }>>`
      SELECT id, payload FROM outbox_events WHERE type = 'distributor.tier_changed' AND payload->>'userId' = ${userId}`;
    const told = await h.bot.onDomainEvent({
      type: "distributor.tier_changed",
      id: String(row!.id),
      payload: row!.payload,
    } as never);
    expect(plainOf(told[0]!.replies)).toContain("现在是 银牌（原 普通代理）");
  });
});
