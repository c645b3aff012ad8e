import type { Update } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "../../core/shared/index.ts";
import { stripHtml, type RecordedCall } from "../channels/telegram/fake-bot-api.ts";
import { textUpdate, type TgUser } from "../channels/telegram/updates.ts";
import { ctx } from "../e2e/support/shop.ts";
import { startTelegramChatApp, type TelegramChatApp } from "./support/chat-app.ts";

/**
 * The group shop as `npm start` wires it (app/chat.ts): the group-shop bot registered with the router's
 * `groupShopOf`, and the `group-shop-feed` consumer turning a delivered shop order into a line in the group.
 * Telegram is a fake Bot API over real HTTP; updates arrive at the webhook.
 */
const SECRET = "gs_app_secret_0123456789";
const OWNER: TgUser = { id: 6001, first_name: "Owner", language_code: "en" };
const GROUP = -1_006_001;
let h: TelegramChatApp;

beforeAll(async () => {
  h = await startTelegramChatApp("gsapp", { workers: true, webhookSecret: SECRET });
}, 60_000);
afterAll(() => h?.close());

const post = async (u: Update) => {
  expect((await h.post(u)).status).toBe(200);
  await h.chat.telegram!.channel.drain();
};
const toGroup = (): RecordedCall[] => h.api.calls.filter((c) => c.payload.chat_id === String(GROUP));
const groupText = () => toGroup().map((c) => stripHtml(String(c.payload.text ?? "")));

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe("group shop through the app's wiring", () => {
  it("a distributor binds its group, turns the feed on, and a delivered shop order is announced there (no buyer, no code)", async () => {
    const { shop } = h;
    const product = await shop.codeProduct({ price: 2_000n, stock: 5 });
    await post(textUpdate(OWNER, "/start")); // the owner's Telegram identity
    const ownerId = (await shop.prisma.channelIdentity.findFirst({
      where: { channel: "telegram", externalId: String(OWNER.id) },
    }))!.userId;
    await shop.c.distribution.add(ctx, { userId: ownerId, tierId: "gold" });
    const s = await shop.c.distribution.createShop(ctx, { ownerId, name: "Owner's cards" });
    h.api.setMember(GROUP, OWNER.id, "administrator");

    await post(textUpdate(OWNER, "/bindshop", { groupId: GROUP }));
    expect(groupText().join("\n")).toMatch(/now the window of Owner's cards/);
    await post(textUpdate(OWNER, "/salesfeed on", { groupId: GROUP }));
    expect(groupText().at(-1)).toMatch(/Sales feed on/);

    const buyer = await shop.buyer(100_000n);
    const placed = await shop.c.orders.place(
      { ...ctx, actor: { kind: "buyer", userId: buyer.userId } },
      {
        userId: buyer.userId,
        productId: product.id,
        quantity: 1,
        idempotencyKey: "gs-app-1",
        payWith: "wallet",
        shopId: s.id,
      },
    );
    expect(placed.ok).toBe(true);
    const line = await until("the sales line", () => groupText().find((t) => t.startsWith("🛍")));
    expect(line).toMatch(/测试卡 × 1/); // the feed speaks zh-CN by default
    expect(line).not.toContain(buyer.userId);
    expect(groupText().join("\n")).not.toMatch(/CODE-/);
  }, 60_000);
});
