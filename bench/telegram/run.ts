/**
 * Telegram throughput bench: updates POSTed to the webhook route (Hono `app.request()`, secret header
 * checked) drive purchase conversations; the Bot API is faked locally at grammY's HTTP boundary.
 *
 *   npx tsx bench/telegram/run.ts [--users 600] [--concurrency 16] [--dup-rate 0.02] [--drain-ms 3000]
 *                                 [--bot both|shop|echo] [--new-users] [--warmup 40] [--quiet]
 *
 * `shop` runs the real shop bot on the real core (its own PostgreSQL database, in-process workers);
 * `echo` runs a stand-in bot with the same conversation shape, to measure the channel alone; `both`
 * (default) runs echo then shop and reports shop as `tg_*` and echo as `tg_channel_*`.
 *
 * Reports inbound updates/s and handler latency (request → 200), and checks the fake API's arrival times
 * against Telegram's limits (1/s per chat, 30/s overall, 20/min per group) as sliding windows.
 * Outbound messages are sent in the background under those limits, so at hundreds of updates/s most replies
 * are still queued when the inbound run ends: the bench reports how many were sent and how many wait.
 * `shop` also reports notification latency: each order's delivery message goes out through the shop
 * notifier event consumer, as in the app; `notify_p50_ms`/`notify_p99_ms` run from the commit of its
 * `order.delivered` (the outbox row's created_at, taken just before the commit) to the message handed to
 * the channel, and `notify_received_p99_ms` to the fake Bot API receiving it (Telegram's pacing included;
 * only messages received before the drain ends).
 * The last line is the JSON the lead merges into `npm run bench`.
 */
import { parseArgs } from "node:util";
import type { Update } from "grammy/types";
import { createTelegramChannel, telegramWebhookRoutes } from "../../channels/telegram/index.ts";
import { countRateLimitViolations, TELEGRAM_LIMITS } from "../../channels/telegram/rate-limiter.ts";
import { FAKE_BOT_INFO, FakeBotApi } from "../../test/channels/telegram/fake-bot-api.ts";
import { textUpdate, type TgUser } from "../../test/channels/telegram/updates.ts";
import { createTestDatabase } from "../../test/support/databases.ts";
import { echoScenario, type Scenario } from "./scenarios.ts";

const { values: args } = parseArgs({
  options: {
    users: { type: "string", default: "600" },
    concurrency: { type: "string", default: "16" },
    "dup-rate": { type: "string", default: "0.02" },
    "drain-ms": { type: "string", default: "3000" },
    warmup: { type: "string", default: "40" },
    bot: { type: "string", default: "both" },
    "new-users": { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
  },
});
const USERS = Number(args.users);
const CONCURRENCY = Number(args.concurrency);
const DUP_RATE = Number(args["dup-rate"]);
const DRAIN_MS = Number(args["drain-ms"]);
const WARMUP = Number(args.warmup);
const SECRET = "tg_bench_secret_0123456789";
const say = (...a: unknown[]) => {
  if (!args.quiet) console.error(...a);
};

const quietLogger = { debug() {}, info() {}, warn() {}, error: (o: object, m?: string) => say("error", m, o) };

interface PhaseResult {
  updatesPerS: number;
  p50: number;
  p99: number;
  violations: { perChat: number; global: number; group: number; total: number };
  updates: number;
  duplicates: number;
  failures: number;
  purchases: number;
  purchasesPerS: number;
  delivered?: number;
  invariantsOk?: boolean;
  notify?: { count: number; p50Ms: number; p99Ms: number; receivedCount: number; receivedP99Ms: number };
  sent: number;
  sentPerS: number;
  backlog: number;
}

async function runPhase(kind: "shop" | "echo"): Promise<PhaseResult> {
  const api = new FakeBotApi();
  let scenario: Scenario;
  if (kind === "shop") {
    const { shopScenario } = await import("./shop-scenario.ts");
    scenario = await shopScenario({ users: USERS + WARMUP, api, log: say, newUsers: args["new-users"] });
  } else {
    scenario = echoScenario();
  }
  const testDb = scenario.db ? undefined : await createTestDatabase("tgbench", { poolSize: 20 });
  const channel = await createTelegramChannel({
    token: "123:FAKE",
    botInfo: FAKE_BOT_INFO,
    fetch: api.fetch,
    db: scenario.db ?? testDb!.db.sql,
    handler: scenario.handler,
    logger: quietLogger,
    ...(scenario.setCanDm ? { setCanDm: scenario.setCanDm } : {}),
  });
  scenario.attach?.(channel);
  const app = telegramWebhookRoutes({ channel, secretToken: SECRET });

  const latencies: number[] = [];
  let updates = 0;
  let duplicates = 0;
  let failures = 0;
  const post = async (u: Update) => {
    const t0 = performance.now();
    const res = await app.request("/webhook", {
      method: "POST",
      body: JSON.stringify(u),
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
    });
    latencies.push(performance.now() - t0);
    updates++;
    if (res.status !== 200) failures++;
    else if (((await res.json()) as { outcome: string }).outcome === "duplicate") duplicates++;
  };

  // Each user runs the scenario's conversation in order (Telegram delivers one chat's updates in order);
  // `CONCURRENCY` requests are in flight at once, like the webhook's max_connections.
  const mkUsers = (n: number, base: number): TgUser[] =>
    Array.from({ length: n }, (_, i) => ({ id: base + i, language_code: "en" }));
  let users = mkUsers(WARMUP, 7_000_000);
  await scenario.prepare?.(users);
  let next = 0;
  let purchases = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      const user = users[i];
      if (!user) return;
      // Every 10th buyer first asks in one of three shop groups (group replies: 20/min per group).
      if (i % 10 === 0) await post(textUpdate(user, "/start", { groupId: -1001000000100 - (i % 3) }));
      const convo = scenario.conversation(user, api);
      let step = await convo.next();
      while (!step.done) {
        const u = step.value;
        await post(u);
        if (Math.random() < DUP_RATE) await post(u); // an at-least-once redelivery
        step = await convo.next();
      }
      if (step.value) purchases++;
    }
  };
  // Warm-up (connections, JIT), not measured.
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, WARMUP) }, worker));
  latencies.length = 0;
  updates = duplicates = failures = purchases = next = 0;
  users = mkUsers(USERS, 8_000_000);
  await scenario.prepare?.(users);
  api.clear();

  say(`${kind}: ${USERS} users, concurrency ${CONCURRENCY}`);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const inboundEnd = performance.now();
  const cpu = process.cpuUsage(cpu0);
  say(`${kind}: node CPU during the run ${(((cpu.user + cpu.system) / 1e6 / seconds) * 100).toFixed(0)}% of one core`);

  // Let the outbound queue run for a while, then check every send that reached the fake API.
  await new Promise((r) => setTimeout(r, DRAIN_MS));
  const sends = api.sends();
  const v = countRateLimitViolations(sends, TELEGRAM_LIMITS);
  const backlog = channel.outboundStats().queuedCalls;
  const sentDuring = sends.filter((x) => x.at <= inboundEnd).length;
  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  const r: PhaseResult = {
    updatesPerS: Math.round(updates / seconds),
    p50: round(pct(50)),
    p99: round(pct(99)),
    violations: v,
    updates,
    duplicates,
    failures,
    purchases,
    purchasesPerS: round(purchases / seconds),
    sent: sends.length,
    sentPerS: round(sentDuring / seconds),
    backlog,
  };
  say(
    `${kind}: ${updates} updates in ${seconds.toFixed(2)} s = ${r.updatesPerS}/s; p50 ${r.p50} ms, p99 ${r.p99} ms; ` +
      `${purchases} purchases confirmed; ${sends.length} messages sent (violations: per chat ${v.perChat}, global ${v.global}, ` +
      `group ${v.group}); ${backlog} calls still queued`,
  );
  const verified = await scenario.verify?.(say);
  if (verified) {
    r.delivered = verified.delivered;
    r.invariantsOk = verified.invariantsOk;
    if (verified.notify) r.notify = verified.notify;
  }
  await channel.stop({ drainTimeoutMs: 0 });
  await scenario.close?.();
  await testDb?.drop();
  return r;
}

async function main() {
  const kinds: ("shop" | "echo")[] = args.bot === "both" ? ["echo", "shop"] : [args.bot as "shop" | "echo"];
  const results: Partial<Record<"shop" | "echo", PhaseResult>> = {};
  for (const k of kinds) results[k] = await runPhase(k);
  const main = results.shop ?? results.echo!;
  const out: Record<string, number | string> = {
    tg_updates_per_s: main.updatesPerS,
    tg_p99_ms: main.p99,
    tg_rate_limit_violations: Object.values(results).reduce((n, r) => n + r.violations.total, 0),
    tg_p50_ms: main.p50,
    tg_concurrency: CONCURRENCY,
    tg_bot: results.shop ? "shop" : "echo",
    tg_updates: main.updates,
    tg_duplicates_dropped: main.duplicates,
    tg_failed_requests: main.failures,
    tg_purchases_per_s: main.purchasesPerS,
    ...(main.delivered !== undefined ? { tg_orders_delivered: main.delivered } : {}),
    ...(main.invariantsOk !== undefined ? { tg_invariants_ok: String(main.invariantsOk) } : {}),
    tg_messages_sent_per_s: main.sentPerS,
    // Committed order.delivered → the shop notifier (an event consumer) hands the code message to the channel.
    ...(main.notify
      ? {
          notify_p50_ms: round(main.notify.p50Ms),
          notify_p99_ms: round(main.notify.p99Ms),
          notify_count: main.notify.count,
          // Only what reached the fake Bot API before the drain ended (Telegram's pacing queues the rest).
          notify_received_count: main.notify.receivedCount,
          ...(main.notify.receivedCount > 0 ? { notify_received_p99_ms: round(main.notify.receivedP99Ms) } : {}),
        }
      : {}),
    tg_outbound_backlog: main.backlog,
  };
  if (results.shop && results.echo) {
    out.tg_channel_updates_per_s = results.echo.updatesPerS;
    out.tg_channel_p99_ms = results.echo.p99;
  }
  console.log(JSON.stringify(out));
  process.exit(0);
}

const round = (n: number) => Math.round(n * 10) / 10;

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
