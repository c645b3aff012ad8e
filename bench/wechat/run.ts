/**
 * WeChat bench: buyers on a real wechaty with the mock puppet (in process) buy a stock code by numbered
 * menus — 菜单 → 商城 → category → product → quantity → pay — through the service's wiring (app/chat.ts:
 * numbered-menu layer, shop bot on the real core on its own PostgreSQL database, durable outbox, the
 * notifier's code delivery). Every message the bot sends is timed where the puppet receives it.
 *
 *   npx tsx bench/wechat/run.ts [--users 40] [--concurrency 20] [--quiet]
 *
 * Reports `wechat_msgs_per_s` (inbound messages answered per second), `wechat_p99_ms` (inbound message →
 * the bot's answer received by the puppet; the outbound limits included) and `wechat_budget_violations`
 * (sends that broke the configured per-contact / overall limits, as sliding windows: must be 0). The limits
 * are set far above WeChat's defaults so the pipeline, not the budget, is measured; the check is the same.
 * The last line is the JSON the lead merges into `npm run bench`.
 */
import { parseArgs } from "node:util";
import { startChat } from "../../app/chat.ts";
import { countBudgetViolations } from "../../channels/wechat/index.ts";
import { sleep } from "../../core/shared/index.ts";
import { MockWechat, numberOf } from "../../test/channels/wechat/mock-wechat.ts";
import { createShop, ctx } from "../../test/e2e/support/shop.ts";

const { values: args } = parseArgs({
  options: {
    users: { type: "string", default: "40" },
    concurrency: { type: "string", default: "20" },
    quiet: { type: "boolean", default: false },
  },
});
const USERS = Number(args.users);
const CONCURRENCY = Number(args.concurrency);
const say = (...a: unknown[]) => {
  if (!args.quiet) console.error(...a);
};
const LIMITS = {
  contactIntervalMs: 50,
  roomIntervalMs: 50,
  roomPerMinute: 10_000,
  perMinute: 30_000,
  windowMs: 60_000,
  jitterMs: 5,
};

async function main() {
  const shop = await createShop("wxbench", {
    workers: true,
    env: {
      WECHATY_PUPPET: "wechaty-puppet-mock",
      WECHAT_SEND_CONTACT_INTERVAL_MS: String(LIMITS.contactIntervalMs),
      WECHAT_SEND_ROOM_INTERVAL_MS: String(LIMITS.roomIntervalMs),
      WECHAT_SEND_ROOM_PER_MINUTE: String(LIMITS.roomPerMinute),
      WECHAT_SEND_PER_MINUTE: String(LIMITS.perMinute),
      WECHAT_SEND_JITTER_MS: String(LIMITS.jitterMs),
    },
  });
  const wx = new MockWechat();
  const chat = await startChat(shop.c, { demo: false, wechaty: wx.wechaty });
  try {
    await wx.login();
    const product = await shop.codeProduct({ price: 1000n, stock: USERS + 10, maxQty: 5 });
    const category = (await shop.c.catalog.listCategories(ctx)).find((c) => c.id === product.categoryId)!;
    const buyers = Array.from({ length: USERS }, (_, i) => wx.contact(`buyer${i}`));
    const latencies: number[] = [];
    let messages = 0;

    const ask = async (who: (typeof buyers)[number], text: string, pattern: RegExp, timed = true) => {
      const from = wx.textsTo(who.id).length;
      const t0 = performance.now();
      who.say(text).to(wx.self);
      const reply = await wx.waitFor(who.id, pattern, from, 60_000);
      if (timed) {
        latencies.push(performance.now() - t0);
        messages++;
      }
      return reply;
    };

    // Returning buyers: accounts exist and hold money before the measured phase.
    say(`warming up ${USERS} buyers`);
    await pool(buyers, CONCURRENCY, async (b) => {
      await ask(b, "菜单", /回复数字/, false);
      const id = await shop.prisma.channelIdentity.findFirstOrThrow({ where: { channel: "wechat", externalId: b.id } });
      await shop.fund(id.userId, 5000n);
    });

    say(`measuring: ${USERS} purchases, ${CONCURRENCY} at a time`);
    const started = performance.now();
    await pool(buyers, CONCURRENCY, async (b) => {
      const menu = await ask(b, "菜单", /回复数字/);
      const cats = await ask(b, numberOf(menu, /商城/), /请选择分类/);
      const products = await ask(b, numberOf(cats, new RegExp(category.nameZh)), /请选择商品/);
      await ask(b, numberOf(products, /测试卡/), /直接回复数字/);
      const confirm = await ask(b, "1", /请确认/);
      await ask(b, numberOf(confirm, /钱包|支付/), /订单/);
      await wx.waitFor(b.id, /CODE-/, 0, 60_000);
    });
    const seconds = (performance.now() - started) / 1000;
    await chat.wechat!.idle();
    const sends = wx.sent.map((s) => ({ chatId: s.chatId, room: false, at: s.at }));
    const violations = countBudgetViolations(sends, LIMITS);
    const delivered = await shop.prisma.order.count({ where: { productId: product.id, status: "DELIVERED" } });
    latencies.sort((a, b) => a - b);
    const p = (q: number) =>
      Math.round(latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)]!);
    say(
      `${messages} messages in ${seconds.toFixed(1)} s; ${delivered} orders delivered; violations ${JSON.stringify(violations)}`,
    );
    console.log(
      JSON.stringify({
        wechat_msgs_per_s: Math.round((messages / seconds) * 10) / 10,
        wechat_p50_ms: p(0.5),
        wechat_p99_ms: p(0.99),
        wechat_budget_violations: violations.total,
        wechat_purchases: delivered,
        wechat_sent: sends.length,
      }),
    );
  } finally {
    await chat.stop();
    await sleep(50);
    await shop.dispose();
  }
}

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
