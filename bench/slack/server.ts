/**
 * The service side of the Slack bench (bench/slack/run.ts starts it as its own process, so the load
 * generator and the fake Slack Web API — Slack's side — do not share this process's CPU): a test shop on
 * its own PostgreSQL database, the staff console, and the Slack channel's routes served over HTTP by the
 * same Node adapter as the service. Tells its parent `{ port, orderIds }` over IPC once ready; answers the
 * message `cpu` with its `process.cpuUsage()`; stops on the message `stop`.
 *
 *   (started by run.ts) SLACK_BENCH_API_URL=http://127.0.0.1:<port>/api/ SLACK_BENCH_ORDERS=50
 */
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { Hono } from "hono";
import { createStaffConsole } from "../../app/staff-console.ts";
import { markTurnProcessed } from "../../bots/dedupe.ts";
import { createStaffBot } from "../../bots/staff/index.ts";
import { createSlackChannel } from "../../channels/slack/index.ts";
import { systemContext } from "../../core/shared/index.ts";
import { createShop, ctx } from "../../test/e2e/support/shop.ts";
import { SLACK_BENCH, type SlackBenchReady } from "./bench-slack-app.ts";

async function main() {
  const apiUrl = process.env.SLACK_BENCH_API_URL;
  if (!apiUrl || !process.send) throw new Error("started by bench/slack/run.ts only");
  const orders = Number(process.env.SLACK_BENCH_ORDERS ?? 50);
  const shop = await createShop("slackbench", { workers: false });
  const con = createStaffConsole(shop.c);
  await con.staff.add(systemContext("cli:bench", { channel: "cli" }), {
    name: "Bench",
    role: "support",
    slackUserId: SLACK_BENCH.staff,
  });
  const bot = createStaffBot({
    ...con,
    orders: shop.c.orders,
    inventory: shop.c.inventory,
    catalog: shop.c.catalog,
    isStaffChat: (channel, chatId) => channel === "slack" && chatId === SLACK_BENCH.channel,
  });
  const slack = createSlackChannel({
    signingSecret: SLACK_BENCH.secret,
    botToken: "xoxb-000000000-000000000000-BENCHtokenBENCH",
    apiUrl,
    handler: (turn) => bot.handle(turn),
    dedupe: (id) => markTurnProcessed(shop.c.db.sql, "slack", id),
    logger: { info: () => {}, warn: (o, m) => console.error(m, o), error: (o, m) => console.error(m, o) },
    // Slack's ≈1 message/s per channel bounds posting to one channel, not processing: off here.
    pacing: { intervalMs: 0, burst: 1_000_000_000 },
  });
  const app = new Hono().route("/slack", slack.routes);

  const product = await shop.codeProduct({ stock: orders * 2, price: 1000n });
  const orderIds: string[] = [];
  for (let i = 0; i < orders; i++) {
    const { userId } = await shop.buyer(10_000n);
    const r = await shop.c.orders.place(
      { ...ctx, actor: { kind: "buyer", userId } },
      { userId, productId: product.id, quantity: 1, idempotencyKey: `slack-bench-${i}`, payWith: "wallet" },
    );
    if (!r.ok) throw new Error(r.code);
    orderIds.push(r.order.id);
  }

  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((r) => server.once("listening", () => r()));
  process.send({ port: (server.address() as AddressInfo).port, orderIds } satisfies SlackBenchReady);
  // The parent gone (it crashed, or was killed): nothing will stop this process, so stop now.
  process.once("disconnect", () => process.exit(1));
  process.on("message", (m) => {
    // The service's own CPU so far (user + system, µs): the parent reads it around each phase.
    if (m === "cpu") return process.send!({ cpu: process.cpuUsage() });
    if (m !== "stop") return;
    void (async () => {
      await slack.idle();
      server.close();
      await shop.dispose();
      process.exit(0);
    })();
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
