/**
 * Slack bench (issue 11 §8): signed Slack slash commands through the staff console as the service wires it —
 * the `v0` signature and 5-minute window, Bolt's `processEvent`, ack, the staff bot on the real core (its own
 * PostgreSQL database: staff lookup, audit row, an order lookup with its history and masked codes, the
 * replay dedupe), Block Kit, and `chat.postMessage` to a fake Slack Web API on a real localhost port.
 *
 *   npx tsx bench/slack/run.ts [--seconds 10] [--concurrency 16] [--orders 50] [--quiet]
 *
 * Reports `slack_events_per_s` (commands answered per second: the reply received by the Web API) and
 * `slack_p99_ms` (request sent → its reply received). Slack's own ≈1 message/s per channel pacing is set
 * off here (in production it bounds posting to one channel, not processing). Requests enter the Hono app
 * in process (`app.request`, no TCP socket); the replies leave over HTTP. The last line is the JSON the lead
 * merges into `npm run bench`.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { Hono } from "hono";
import { createStaffConsole } from "../../app/staff-console.ts";
import { markTurnProcessed } from "../../bots/dedupe.ts";
import { createStaffBot } from "../../bots/staff/index.ts";
import { createSlackChannel } from "../../channels/slack/index.ts";
import { systemContext } from "../../core/shared/index.ts";
import { signedInit, slashCommandBody } from "../../test/channels/slack/signed-requests.ts";
import { createShop, ctx } from "../../test/e2e/support/shop.ts";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: process.env.BENCH_SLACK_SECONDS ?? "10" },
    concurrency: { type: "string", default: "16" },
    orders: { type: "string", default: "50" },
    quiet: { type: "boolean", default: false },
  },
});
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
const ORDERS = Number(args.orders);
const say = (...a: unknown[]) => {
  if (!args.quiet) console.error(...a);
};
const SECRET = "0123456789abcdef0123456789abcdef";
const CHANNEL = "C0BENCH01";
const STAFF = "U0BENCH01";
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** The Web API at its HTTP boundary: answers ok, hands each postMessage's order id to whoever waits for it. */
async function fakeWebApi(onPost: (orderId: string) => void) {
  let ts = 0;
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
    req.on("end", () => {
      const params = new URLSearchParams(raw);
      const id = UUID.exec(params.get("text") ?? "")?.[0];
      if (id && req.url?.includes("chat.postMessage")) onPost(id);
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ ok: true, channel: params.get("channel"), ts: `1764000000.${++ts}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function main() {
  const shop = await createShop("slackbench", { workers: false });
  const waiting = new Map<string, Array<() => void>>();
  const api = await fakeWebApi((orderId) => waiting.get(orderId)?.shift()?.());
  try {
    const con = createStaffConsole(shop.c);
    await con.staff.add(systemContext("cli:bench", { channel: "cli" }), {
      name: "Bench",
      role: "support",
      slackUserId: STAFF,
    });
    const bot = createStaffBot({
      ...con,
      orders: shop.c.orders,
      inventory: shop.c.inventory,
      catalog: shop.c.catalog,
      isStaffChat: (channel, chatId) => channel === "slack" && chatId === CHANNEL,
    });
    const slack = createSlackChannel({
      signingSecret: SECRET,
      botToken: "xoxb-000000000-000000000000-BENCHtokenBENCH",
      apiUrl: api.url,
      handler: (turn) => bot.handle(turn),
      dedupe: (id) => markTurnProcessed(shop.c.db.sql, "slack", id),
      logger: { info: () => {}, warn: (o, m) => console.error(m, o), error: (o, m) => console.error(m, o) },
      pacing: { intervalMs: 0, burst: 1_000_000_000 },
    });
    const app = new Hono().route("/slack", slack.routes);

    say(`placing ${ORDERS} delivered orders to look up`);
    const product = await shop.codeProduct({ stock: ORDERS * 2, price: 1000n });
    const orderIds: string[] = [];
    for (let i = 0; i < ORDERS; i++) {
      const { userId } = await shop.buyer(10_000n);
      const r = await shop.c.orders.place(
        { ...ctx, actor: { kind: "buyer", userId } },
        { userId, productId: product.id, quantity: 1, idempotencyKey: `slack-bench-${i}`, payWith: "wallet" },
      );
      if (!r.ok) throw new Error(r.code);
      orderIds.push(r.order.id);
    }

    const latencies: number[] = [];
    let seq = 0;
    const one = async (timed: boolean) => {
      const orderId = orderIds[seq++ % orderIds.length]!;
      const replied = new Promise<void>((resolve) => {
        const list = waiting.get(orderId) ?? [];
        list.push(resolve);
        waiting.set(orderId, list);
      });
      const body = slashCommandBody({ userId: STAFF, channelId: CHANNEL, text: `order ${orderId}` });
      const t0 = performance.now();
      const res = await app.request("/slack/commands", signedInit(SECRET, body));
      if (res.status !== 200) throw new Error(`slack answered ${res.status}`);
      await replied;
      if (timed) latencies.push(performance.now() - t0);
    };
    const loop = async (until: number, timed: boolean) => {
      while (performance.now() < until) await one(timed);
    };

    say(`warming up`);
    await Promise.all(Array.from({ length: CONCURRENCY }, () => loop(performance.now() + 2_000, false)));
    say(`measuring: ${CONCURRENCY} concurrent staff commands for ${SECONDS} s`);
    const start = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, () => loop(start + SECONDS * 1000, true)));
    const elapsed = (performance.now() - start) / 1000;
    await slack.idle();
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
    const result = {
      slack_events_per_s: Math.round((latencies.length / elapsed) * 10) / 10,
      slack_p50_ms: Math.round(pct(0.5) * 10) / 10,
      slack_p99_ms: Math.round(pct(0.99) * 10) / 10,
      slack_events: latencies.length,
    };
    say(result);
    console.log(JSON.stringify(result));
  } finally {
    await api.close();
    await shop.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
