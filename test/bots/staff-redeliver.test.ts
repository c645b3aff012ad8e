import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shopNotifier, type ShopNotifierEventType } from "../../app/events/consumers.ts";
import { createStaffConsole, type StaffConsole } from "../../app/staff-console.ts";
import type { OutboundMessage } from "../../bots/turn.ts";
import { telegramStaffBot } from "./support/staff-bot-harness.ts";
import { toPlain, type InboundTurn, type Reply } from "../../bots/turn.ts";
import { parseEventPayload, type CommittedEvent } from "../../core/events/index.ts";
import { systemContext } from "../../core/shared/index.ts";
import type { ChatBot } from "../../bots/chat-bot.ts";
import { ctx } from "../e2e/support/shop.ts";
import { createBotHarness, type BotHarness } from "./support/bot-harness.ts";

const STAFF_GROUP = "-100888";
const cli = systemContext("cli:test", { channel: "cli" });
let seq = 0;
const staffTurn = (from: string, payload: string, command = "redeliver"): InboundTurn => ({
  id: `rd${++seq}`,
  channel: "telegram",
  chat: { id: STAFF_GROUP, kind: "group" },
  from: { externalId: from, displayName: `staff ${from}`, languageCode: "en" },
  input: { kind: "command", command, payload },
});
const words = (r: Reply[]) => r.map((x) => (x.kind === "text" ? toPlain(x.body) : x.kind)).join("\n");

describe("redeliver: a delivered order's codes go again to the buyer's private chat, never the staff channel", () => {
  let h: BotHarness;
  let con: StaffConsole;
  let staffBot: ChatBot;

  beforeAll(async () => {
    h = await createBotHarness("staffredeliver", { workers: false });
    con = createStaffConsole(h.c);
    await con.staff.add(cli, { name: "Sam", role: "support", telegramUserId: "601" });
    await con.staff.add(cli, { name: "Vic", role: "viewer", telegramUserId: "602" });
    await con.staff.add(cli, { name: "Fang", role: "finance", telegramUserId: "603" });
    staffBot = telegramStaffBot(h.c, con, STAFF_GROUP);
  });
  afterAll(() => h.dispose());

  /** A buyer with a private Telegram chat and a delivered order of two codes. */
  async function deliveredOrder() {
    const externalId = String(7000 + ++seq);
    await h.client({ channel: "telegram", externalId, lang: "en" }).send("/start");
    const userId = await h.userIdOf("telegram", externalId);
    await h.fund(userId, 10_000n);
    const p = await h.shop.codeProduct({ stock: 3, price: 1000n });
    const r = await h.c.orders.place(
      { ...ctx, actor: { kind: "buyer", userId } },
      { userId, productId: p.id, quantity: 2, idempotencyKey: `rd-${p.id}`, payWith: "wallet" },
    );
    if (!r.ok) throw new Error(r.code);
    expect(r.order.status).toBe("DELIVERED");
    const codes = (await h.c.orders.codesFor(ctx, { orderId: r.order.id })).map((c) => c.code);
    return { externalId, userId, order: r.order, codes };
  }

  async function redeliveryEvents(orderId: string): Promise<Array<CommittedEvent<ShopNotifierEventType>>> {
    const rows = await h.prisma.outboxEvent.findMany({
      where: { type: "order.redelivery_requested" },
      orderBy: { id: "asc" },
    });
    return rows
      .filter((r) => (r.payload as { orderId?: string }).orderId === orderId)
      .map((r) => ({
        id: String(r.id),
        type: "order.redelivery_requested" as const,
        payload: parseEventPayload("order.redelivery_requested", r.payload),
        createdAt: r.createdAt,
      }));
  }

  it("staff see 're-sent privately' and masked codes; the notifier sends the codes to the buyer's private chat", async () => {
    const { externalId, userId, order, codes } = await deliveredOrder();
    const r = await staffBot.handle(staffTurn("601", order.id));
    const shown = words(r);
    expect(shown).toContain(`Order ${order.id}: the codes were re-sent to the buyer privately`);
    expect(shown).toMatch(/#[0-9a-f]{12}/);
    for (const c of codes) expect(shown).not.toContain(c);
    expect(r.some((x) => x.kind === "codes")).toBe(false);
    const trail = await con.audit.trail(cli, { targetType: "order", targetId: order.id }, { limit: 5 });
    expect(trail[0]).toMatchObject({ action: "bot.redeliver", outcome: "ok", role: "support" });

    const events = await redeliveryEvents(order.id);
    expect(events).toHaveLength(1);
    expect(events[0]!.payload).toMatchObject({
      orderId: order.id,
      userId,
      requestedBy: expect.stringMatching(/^staff:/),
    });
    const sent: OutboundMessage[] = [];
    const notifier = shopNotifier({ bot: h.bot, deliver: async (m) => void sent.push(...m) });
    expect(notifier.types).toContain("order.redelivery_requested");
    await notifier.handle(events[0]!);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ userId, channel: "telegram", chatId: externalId });
    const delivered = sent[0]!.replies.find((x) => x.kind === "codes");
    expect(delivered?.kind === "codes" && delivered.items.map((i) => i.code).sort()).toEqual([...codes].sort());
    expect(sent.some((m) => m.chatId === STAFF_GROUP)).toBe(false);

    // Asked again: another event, another delivery (its own dedupe key).
    await staffBot.handle(staffTurn("601", order.id));
    const again = await redeliveryEvents(order.id);
    expect(again).toHaveLength(2);
    const second = await h.bot.onDomainEvent(again[1]!);
    expect(second[0]!.dedupeKey).not.toBe((await h.bot.onDomainEvent(again[0]!))[0]!.dedupeKey);
  });

  it("refuses a role without orders.redeliver, an order not delivered, and bad input — and writes no event", async () => {
    const { order } = await deliveredOrder();
    expect(words(await staffBot.handle(staffTurn("602", order.id)))).toBe(
      "Your role (viewer) may not do that. The attempt was recorded.",
    );
    expect(words(await staffBot.handle(staffTurn("603", order.id)))).toBe(
      "Your role (finance) may not do that. The attempt was recorded.",
    );
    expect(words(await staffBot.handle(staffTurn("601", "not-an-order")))).toBe("Usage: redeliver <order id>");
    expect(await redeliveryEvents(order.id)).toHaveLength(0);

    await h.c.orders.refund(cli, { orderId: order.id, reason: "burned" });
    expect(words(await staffBot.handle(staffTurn("601", order.id)))).toBe(
      "Not re-sent: the order is REFUNDED: only a delivered order's codes can be sent again",
    );
    expect(await redeliveryEvents(order.id)).toHaveLength(0);
    // A buyer cannot ask for it through the core either (their own order: hidden as "no such order").
    await expect(
      h.c.orders.redeliver({ ...ctx, actor: { kind: "buyer", userId: order.userId } }, { orderId: order.id }),
    ).rejects.toMatchObject({ type: "not_found" });
  });
});
