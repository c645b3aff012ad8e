import { shopNotifier } from "../../app/events/consumers.ts";
import { isTurnProcessed, markTurnProcessed } from "../../bots/dedupe.ts";
import { createI18n } from "../../bots/i18n/index.ts";
import { createOutboundDelivery } from "../../bots/outbound.ts";
import { orderLabel } from "../../bots/shop/shop-kit.ts";
import { createShopBot, shopPortsFromCore, type ShopBot } from "../../bots/shop/index.ts";
import type { TelegramChannel } from "../../channels/telegram/index.ts";
import { createConversations } from "../../core/conversations/index.ts";
import { createIdentity } from "../../core/identity/index.ts";
import { systemCode, walletCode } from "../../core/ledger/index.ts";
import { createShop, ctx, type Shop } from "../../test/e2e/support/shop.ts";
import { callbackUpdate, textUpdate } from "../../test/channels/telegram/updates.ts";
import { stripHtml, type FakeBotApi } from "../../test/channels/telegram/fake-bot-api.ts";
import { ReplyTap, type Scenario } from "./scenarios.ts";

/**
 * The real shop bot on the real core (container on its own PostgreSQL database, in-process job workers):
 * each simulated user runs /start → Shop → category → product → quantity 1 → pay from the wallet, and the
 * order is fulfilled from stock and its code delivered privately. By default the buyers are returning
 * customers with money in their wallets (accounts created and funded before the measured phase); with
 * `newUsers` they are first-time users credited by the bot's `onUserCreated` hook inside the measured turn.
 */
export async function shopScenario(opts: {
  users: number;
  api: FakeBotApi;
  log: (...a: unknown[]) => void;
  /** Users first seen during the run (account creation and wallet credit inside the measured /start). */
  newUsers?: boolean;
}): Promise<Scenario> {
  const shop: Shop = await createShop("tgbenchshop", { workers: true });
  const c = shop.c;
  const prisma = c.db.prisma;
  const product = await shop.codeProduct({ stock: 0, price: 1000n, maxQty: 5 });
  const category = (await c.catalog.listCategories(ctx)).find((x) => x.id === product.categoryId)!;
  const t0 = performance.now();
  await shop.importCodes(product.id, opts.users + 100);
  opts.log(`imported ${opts.users + 100} codes in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const fund = async (userId: string) => {
    const r = await c.ledger.post(ctx, {
      idempotencyKey: `bench-fund:${userId}:${++seq}`,
      kind: "top_up",
      legs: [
        { account: systemCode("custody", "CNY"), amount: -5000n },
        { account: walletCode(userId, "CNY"), amount: 5000n },
      ],
    });
    if (!r.ok) throw new Error("funding failed");
  };
  const identity = createIdentity({ sql: c.db.sql, clock: c.clock, secrets: c.secrets });
  const conversations = createConversations({ sql: c.db.sql, clock: c.clock });
  const tap = new ReplyTap();
  let channel: TelegramChannel | undefined;
  let seq = 0;
  const bot: ShopBot = createShopBot({
    ports: shopPortsFromCore({ catalog: c.catalog, inventory: c.inventory, orders: c.orders, ledger: c.ledger }),
    identity,
    conversations,
    i18n: createI18n(),
    clock: c.clock,
    buttonKey: "tg-bench-button-key-0123456789",
    channels: {
      telegram: { deepLink: (p) => channel?.capabilities.deepLink(p) ?? null, starsInvoices: true },
    },
    onUserCreated: (_ctx, user) => fund(user.id),
    logger: { warn: () => {}, error: (o, m) => opts.log("bot error", m, o) },
  });

  // As in the app (app/chat.ts): the shop notifier, a consumer of the committed events, hosted by this
  // process's event consumers (nudged by each commit here), sends the delivery message to the channel.
  // Notification latency: from the event's commit (its outbox created_at, taken just before the commit, so
  // an upper bound) to the message handed to the channel — and to the fake Bot API receiving it, which
  // also counts Telegram's pacing (≈1 message/s per chat, 30/s per bot) in the channel's queue.
  const notified: Array<{ chatId: string; needle: string; committedAt: number; handedAt: number }> = [];
  const deliver = createOutboundDelivery({
    senders: { telegram: (m) => void channel?.send(m.chatId, m.replies) },
    dedupe: {
      seen: (k) => isTurnProcessed(c.db.sql, "outbound", k),
      mark: async (k) => void (await markTurnProcessed(c.db.sql, "outbound", k)),
    },
  });
  const unhost = c.events.host(
    shopNotifier({
      bot,
      async deliver(messages, event) {
        await deliver(messages);
        if (event.type !== "order.delivered") return;
        const handedAt = Date.now();
        const needle = `Order ${orderLabel(await c.orders.get(ctx, { orderId: event.payload.orderId }))}`;
        for (const m of messages)
          notified.push({
            chatId: m.chatId,
            needle,
            committedAt: event.createdAt.getTime(),
            handedAt,
          });
      },
    }),
  );

  const press = (chatId: number, label: RegExp) => tap.button(chatId, (l) => label.test(l));

  return {
    db: c.db.sql,
    handler: tap.wrap((turn) => bot.handle(turn)),
    setCanDm: (externalId, canDm) => identity.setCanDm(ctx, { channel: "telegram", externalId, canDm }),
    attach(ch) {
      channel = ch;
    },
    async prepare(users) {
      if (opts.newUsers) return;
      let i = 0;
      const worker = async () => {
        for (let u = users[i++]; u; u = users[i++]) {
          const { user } = await identity.resolve(ctx, {
            channel: "telegram",
            externalId: String(u.id),
            displayName: `User${u.id}`,
            languageCode: u.language_code ?? "en",
            privateChat: true,
          });
          await fund(user.id);
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
    },
    async *conversation(user) {
      yield textUpdate(user, "/start");
      for (const label of [/Shop/, new RegExp(category.nameEn), /Test card/, /^1$/, /from wallet/]) {
        const data = press(user.id, label);
        if (!data) {
          opts.log(`user ${user.id}: no button ${label}`, JSON.stringify(tap.replies(user.id)).slice(0, 300));
          return false;
        }
        yield callbackUpdate(user, data);
      }
      return JSON.stringify(tap.replies(user.id)).includes("from your wallet");
    },
    async verify(log) {
      log(`bot handler time: ${tap.stepSummary()}`);
      const delivered = async () => prisma.order.count({ where: { productId: product.id, status: "DELIVERED" } });
      const deadline = Date.now() + 30_000;
      for (;;) {
        const byStatus = await prisma.order.groupBy({ by: ["status"], where: { productId: product.id }, _count: true });
        const open = byStatus.filter((s) => s.status !== "DELIVERED").reduce((n, s) => n + s._count, 0);
        if (open === 0 || Date.now() > deadline) {
          log(`orders: ${JSON.stringify(byStatus.map((s) => [s.status, s._count]))}`);
          break;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      const until = Date.now() + 30_000;
      while (notified.length < (await delivered()) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      const handed = notified.map((n) => n.handedAt - n.committedAt).sort((a, b) => a - b);
      const received = notified
        .flatMap((n) => {
          const call = opts.api.calls.find(
            (x) =>
              x.method === "sendMessage" &&
              x.payload.chat_id === n.chatId &&
              stripHtml(String(x.payload.text)).includes(n.needle),
          );
          return call ? [performance.timeOrigin + call.at - n.committedAt] : [];
        })
        .sort((a, b) => a - b);
      const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
      log(
        `notifications: ${handed.length} delivery messages; commit → handed to the channel p50 ${pct(handed, 50).toFixed(1)} ms, p99 ${pct(handed, 99).toFixed(1)} ms; → received by the Bot API (${received.length} so far) p50 ${pct(received, 50).toFixed(0)} ms, p99 ${pct(received, 99).toFixed(0)} ms`,
      );
      const inv = await shop.invariants();
      log(`invariants: ${JSON.stringify(inv)}`);
      const ok = Object.entries(inv).every(([k, v]) => (k.endsWith("Ok") ? v === true : v === 0));
      return {
        delivered: await delivered(),
        invariantsOk: ok,
        notify: {
          count: handed.length,
          p50Ms: pct(handed, 50),
          p99Ms: pct(handed, 99),
          receivedCount: received.length,
          receivedP99Ms: pct(received, 99),
        },
      };
    },
    async close() {
      await unhost();
      await shop.dispose();
    },
  };
}
