import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asBuyer, sleep } from "../../core/shared/index.ts";
import { FakeBotApi, stripHtml, type RecordedCall } from "../channels/telegram/fake-bot-api.ts";
import { serveFakeBotApi, type FakeBotApiServer } from "../channels/telegram/fake-bot-api-server.ts";
import { callbackUpdate, textUpdate, type TgUser } from "../channels/telegram/updates.ts";
import { freePort } from "../support/service-process.ts";
import { CLEAN, createShop, ctx, type Shop } from "./support/shop.ts";
import { serviceEnv } from "./support/service-env.ts";

/**
 * The scaled-out topology the README documents: `serve` with RUN_WORKERS=false and two `worker`
 * processes (real child processes) on one PostgreSQL database and one Redis prefix; the Telegram Bot API
 * faked over HTTP (webhook mode: this test posts the buyers' updates to serve); the simulated supplier for
 * direct top-ups. Direct top-ups are fulfilled in the workers, so their `order.fulfilling` and
 * `order.delivered` are committed there — and the chat notifier lives only in serve. Every buyer must
 * get every message exactly once: with the old relay a worker consumed such events for everyone (and
 * most messages never came); here each consumer has its own cursor. Then again while a worker is killed.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const SECRET = "tg_topology_secret_0123456789";
const BUYERS_PER_ROUND = 10;

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

describe("serve (no workers) + two workers: every buyer gets every message exactly once", () => {
  let shop: Shop;
  let api: FakeBotApi;
  let apiServer: FakeBotApiServer | undefined;
  let dataDir: string;
  let port: number;
  let env: Record<string, string>;
  const procs: Proc[] = [];
  let server: Proc;
  let workers: Proc[];
  let workerMetricsPorts: number[];
  let codeProduct: { id: string };
  let topUp: { id: string };

  const start = (args: string[], extra: Record<string, string> = {}): Proc => {
    // node with tsx as a loader (not the tsx CLI), so a signal reaches the service process itself.
    const child = spawn(process.execPath, ["--import", "tsx", "app/main.ts", ...args], {
      cwd: ROOT,
      env: { ...env, ...extra },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    const p: Proc = {
      child,
      output: () => out,
      exited: new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal }))),
    };
    procs.push(p);
    return p;
  };
  const ready = async (p: Proc, pattern: RegExp) => {
    const until = Date.now() + 60_000;
    while (!pattern.test(p.output())) {
      if (p.child.exitCode !== null || Date.now() > until) throw new Error(`not ready:\n${p.output()}`);
      await sleep(50);
    }
  };

  beforeAll(async () => {
    api = new FakeBotApi();
    apiServer = await serveFakeBotApi(api);
    // This process only seeds the shop and funds buyers; it hosts no event consumer and runs no worker.
    shop = await createShop("topology", { redis: true, workers: false });
    const { supplier } = await shop.supplier("topology-sim", { latencyMs: 150 });
    topUp = await shop.directProduct([{ supplierId: supplier.id, cost: 2500n }]);
    codeProduct = await shop.codeProduct({ stock: 4 * BUYERS_PER_ROUND, price: 1000n });
    dataDir = await mkdtemp(path.join(tmpdir(), "kameng-topology-"));
    port = await freePort();
    env = serviceEnv(shop, dataDir, {
      DATABASE_POOL_SIZE: "6",
      WEB_CHAT: "false",
      PORT: String(port),
      PUBLIC_URL: "https://shop.example",
      TELEGRAM_BOT_TOKEN: "123456789:TESTtokenTESTtokenTESTtoken",
      TELEGRAM_API_ROOT: apiServer.root,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
    });
    server = start(["serve"], { RUN_WORKERS: "false" });
    workerMetricsPorts = [await freePort(), await freePort()];
    workers = workerMetricsPorts.map((p) =>
      start(["worker", "--concurrency", "8", "--stuck-after-ms", "3000"], { WORKER_METRICS_PORT: String(p) }),
    );
    await Promise.all([ready(server, /listening on http/), ...workers.map((w) => ready(w, /worker running/))]);
  }, 120_000);

  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
    await Promise.all(procs.map((p) => p.exited));
    await shop?.dispose();
    await apiServer?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  const post = async (update: unknown) => {
    const res = await fetch(`http://127.0.0.1:${port}/telegram/webhook`, {
      method: "POST",
      body: JSON.stringify(update),
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
    });
    expect(res.status).toBe(200);
  };
  const callsTo = (u: TgUser) => api.calls.filter((c) => String(c.payload.chat_id) === String(u.id) && c.response.ok);
  const keyboard = (c: RecordedCall) =>
    ((c.payload.reply_markup as { inline_keyboard?: { text: string }[][] } | undefined)?.inline_keyboard ?? []).flat();

  /** Sends an update and waits for the bot's answer: a message to this chat after it, with `label` on a button. */
  async function say(u: TgUser, update: unknown, label?: RegExp, text?: RegExp) {
    const mark = callsTo(u).length;
    await post(update);
    const until = Date.now() + 30_000;
    for (;;) {
      const fresh = callsTo(u).slice(mark);
      if (
        fresh.some(
          (c) =>
            (!label || keyboard(c).some((b) => label.test(b.text))) &&
            (!text || text.test(stripHtml(String(c.payload.text ?? "")))),
        )
      )
        return;
      if (Date.now() > until)
        throw new Error(`no reply ${label ?? text} to ${u.id}: ${fresh.map((c) => c.payload.text).join(" | ")}`);
      await sleep(25);
    }
  }
  const press = async (u: TgUser, label: RegExp, next?: RegExp, text?: RegExp) => {
    const { data, messageId } = api.button(String(u.id), label);
    await say(u, callbackUpdate(u, data, { messageId }), next, text);
  };

  /** One buyer: a stock code, then a direct top-up, both paid from the wallet through the Telegram conversation. */
  async function buyer(u: TgUser, i: number) {
    await say(u, textUpdate(u, `/start buy_${codeProduct.id}`), /^1$/);
    const who = await shop.prisma.channelIdentity.findFirstOrThrow({
      where: { channel: "telegram", externalId: String(u.id) },
    });
    await shop.fund(who.userId, 10_000n);
    await press(u, /^1$/, /from wallet/);
    await press(u, /from wallet/, undefined, /from your wallet/);
    await say(u, textUpdate(u, `/start buy_${topUp.id}`), /^1$/);
    await press(u, /^1$/, undefined, /mobile number/);
    await say(u, textUpdate(u, `138${String(10_000_000 + i).slice(-8)}`), /from wallet/);
    await press(u, /from wallet/, undefined, /from your wallet/);
    return who.userId;
  }

  /** Every order of these buyers delivered, then each event's message counted in each buyer's chat. */
  async function expectEveryMessageOnce(buyers: Array<{ user: TgUser; userId: string }>) {
    const orders = (await shop.prisma.order.findMany({ where: { userId: { in: buyers.map((b) => b.userId) } } })).map(
      (o) => ({ ...o, kind: o.productId === topUp.id ? ("DIRECT" as const) : ("CODE" as const) }),
    );
    expect(orders).toHaveLength(buyers.length * 2);
    await shop.waitForStatus(
      orders.map((o) => o.id),
      ["DELIVERED"],
      45_000,
    );
    const expected = (o: (typeof orders)[number]) => {
      const short = `#${o.number}`;
      return o.kind === "CODE"
        ? { [`🎁 Order ${short}`]: 1 }
        : { [`⏳ Order ${short}: topping up`]: 1, [`✅ Order ${short} delivered`]: 1 };
    };
    const count = (u: TgUser, needle: string) =>
      callsTo(u).filter((c) => c.method === "sendMessage" && stripHtml(String(c.payload.text)).includes(needle)).length;
    // Every message arrives (the notifier in serve polls for what the workers commit)…
    const until = Date.now() + 30_000;
    const missing = () =>
      buyers.flatMap(({ user, userId }) =>
        orders
          .filter((o) => o.userId === userId)
          .flatMap((o) => Object.keys(expected(o)).filter((needle) => count(user, needle) === 0)),
      );
    while (missing().length > 0 && Date.now() < until) await sleep(100);
    expect(missing()).toEqual([]);
    // …and, a little later, still exactly once.
    await sleep(1_500);
    const counts = buyers.flatMap(({ user, userId }) =>
      orders
        .filter((o) => o.userId === userId)
        .flatMap((o) => Object.entries(expected(o)).map(([needle, n]) => [needle, count(user, needle), n] as const)),
    );
    expect(counts.filter(([, got, want]) => got !== want)).toEqual([]);
    // Each code went to its buyer alone.
    for (const { user, userId } of buyers) {
      const texts = callsTo(user)
        .map((c) => String(c.payload.text ?? ""))
        .join("\n");
      for (const o of orders.filter((x) => x.userId === userId && x.kind === "CODE")) {
        const [code] = await shop.c.orders.codesFor(asBuyer(ctx, userId), { orderId: o.id });
        expect(texts).toContain(`<code>${code!.code}</code>`);
      }
    }
  }

  let nextUser = 9_500_000;
  const round = () => Array.from({ length: BUYERS_PER_ROUND }, () => ({ id: ++nextUser, language_code: "en" }));

  it("buyers of stock codes and direct top-ups through Telegram each get every message once", async () => {
    const users = round();
    const ids = await Promise.all(users.map((u, i) => buyer(u, i)));
    await expectEveryMessageOnce(users.map((user, i) => ({ user, userId: ids[i]! })));
    // The direct top-ups were fulfilled in the workers, not in serve.
    const charged = await shop.prisma.order.count({ where: { status: "DELIVERED", productId: topUp.id } });
    expect(charged).toBe(BUYERS_PER_ROUND);

    // /metrics: serve reports the orders from the database (the workers did the work); the supplier calls
    // are counted where they were made, so the workers' own endpoints add up to every top-up, serve's to none.
    const scrape = async (p: number) => (await fetch(`http://127.0.0.1:${p}/metrics`)).text();
    const series = (text: string, line: string) =>
      Number(
        text
          .split("\n")
          .find((l) => l.startsWith(`${line} `))
          ?.slice(line.length + 1) ?? 0,
      );
    const fromServe = await scrape(port);
    expect(series(fromServe, 'kameng_orders{status="DELIVERED",channel="telegram"}')).toBe(2 * BUYERS_PER_ROUND);
    const placed = 'kameng_supplier_requests_total{supplier="topology-sim",op="place",outcome="succeeded"}';
    expect(series(fromServe, placed)).toBe(0);
    const perWorker = await Promise.all(workerMetricsPorts.map(async (p) => series(await scrape(p), placed)));
    expect(perWorker.reduce((a, b) => a + b, 0)).toBe(BUYERS_PER_ROUND);
  }, 120_000);

  it("and again while a worker is killed (SIGKILL) mid-run", async () => {
    const users = round();
    const buying = Promise.all(users.map((u, i) => buyer(u, 100 + i)));
    // Kill one worker once direct top-ups of this round are being fulfilled.
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      const paid = await shop.prisma.order.count({
        where: { productId: topUp.id, status: { in: ["PAID", "FULFILLING", "DELIVERED"] } },
      });
      if (paid >= BUYERS_PER_ROUND + 3) break;
      await sleep(50);
    }
    workers[0]!.child.kill("SIGKILL");
    expect(await workers[0]!.exited).toMatchObject({ signal: "SIGKILL" });
    const ids = await buying;
    await expectEveryMessageOnce(users.map((user, i) => ({ user, userId: ids[i]! })));
    expect(await shop.invariants()).toEqual(CLEAN);
    // The surviving processes are healthy, and nothing is left unhandled or failing.
    const events = await shop.prisma.eventConsumer.findMany({ include: { failures: true } });
    expect(events.flatMap((e) => e.failures)).toEqual([]);
    expect(server.child.exitCode).toBeNull();
    expect(workers[1]!.child.exitCode).toBeNull();
  }, 120_000);
});
