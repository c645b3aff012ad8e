import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaffConsole } from "../../app/staff-console.ts";
import { systemContext, sleep } from "../../core/shared/index.ts";
import { checkLedgerJob, expireApprovalsJob, sweepStaffAlertsJob } from "../../jobs/catalog.ts";
import { FakeBotApi, stripHtml } from "../channels/telegram/fake-bot-api.ts";
import { serveFakeBotApi, type FakeBotApiServer } from "../channels/telegram/fake-bot-api-server.ts";
import { TEST_REDIS_URL } from "../support/env.ts";
import { freePort } from "../support/service-process.ts";
import { createShop, type Shop } from "./support/shop.ts";
import { serviceEnv } from "./support/service-env.ts";

/**
 * The staff console's periodic jobs in the scaled-out shape: `serve` with RUN_WORKERS=false (it hosts the
 * Telegram staff group and the staff alerter) and two `worker` processes, real child processes on one
 * PostgreSQL database and one Redis prefix. The staff jobs (alert sweep, ledger check, approval expiry) are
 * scheduled once — one BullMQ job scheduler each, however many workers start — run in a worker, and what
 * they find reaches the staff group once, through serve.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const SECRET = "tg_staffworkers_secret_0123456789";
const STAFF_GROUP = -100900900;
const STAFF_JOBS = [sweepStaffAlertsJob, checkLedgerJob, expireApprovalsJob] as const;

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<unknown>;
}

describe("serve (no workers) + two workers: the staff jobs are scheduled once and run in a worker", () => {
  let shop: Shop;
  let api: FakeBotApi;
  let apiServer: FakeBotApiServer | undefined;
  let dataDir: string;
  let env: Record<string, string>;
  const procs: Proc[] = [];
  let sku: string;
  let requestId: string;

  const start = (args: string[], extra: Record<string, string> = {}): Proc => {
    const child = spawn(process.execPath, ["--import", "tsx", "app/main.ts", ...args], {
      cwd: ROOT,
      env: { ...env, ...extra },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    const p: Proc = { child, output: () => out, exited: new Promise((r) => child.on("exit", r)) };
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
  const groupTexts = () =>
    api.calls
      .filter((c) => c.method === "sendMessage" && c.payload.chat_id === String(STAFF_GROUP))
      .map((c) => stripHtml(String(c.payload.text)));

  beforeAll(async () => {
    api = new FakeBotApi();
    apiServer = await serveFakeBotApi(api);
    shop = await createShop("staffworkers", {
      redis: true,
      workers: false,
      env: { TELEGRAM_STAFF_CHAT_IDS: `${STAFF_GROUP}`, STAFF_APPROVAL_REFUND_OVER: "CNY:1", STAFF_LOCALE: "en" },
    });
    // Low stock (2 codes, floor 10): the sweep's alert. A refund waiting for a second person, past its expiry.
    const product = await shop.codeProduct({ stock: 2 });
    sku = (await shop.prisma.product.findUniqueOrThrow({ where: { id: product.id } })).sku;
    const con = createStaffConsole(shop.c);
    const cli = systemContext("cli:test", { channel: "cli" });
    const asker = await con.staff.add(cli, { name: "Fang", role: "finance", telegramUserId: "7300001" });
    const sup = await shop.supplier("staffworkerssim");
    const topUp = await shop.directProduct([{ supplierId: sup.supplier.id, cost: 2500n }], 3000n);
    const { order } = await shop.paidTopUp(topUp.id, 1, "staff-workers-1");
    const asked = await con.approvals.submit(
      { ...cli, actor: { kind: "staff", userId: asker.userId, role: "finance" } },
      { action: "orders.refund", payload: { orderId: order.id }, reason: "charged twice" },
    );
    if (asked.status !== "pending") throw new Error(`expected a pending request, got ${asked.status}`);
    requestId = asked.request.id;
    await shop.prisma.approvalRequest.update({
      where: { id: requestId },
      data: { expiresAt: new Date(Date.now() - 60_000) },
    });

    dataDir = await mkdtemp(path.join(tmpdir(), "kameng-staffworkers-"));
    env = serviceEnv(shop, dataDir, {
      WEB_CHAT: "false",
      PUBLIC_URL: "https://shop.example",
      TELEGRAM_BOT_TOKEN: "123456789:TESTtokenTESTtokenTESTtoken",
      TELEGRAM_API_ROOT: apiServer.root,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_STAFF_CHAT_IDS: `${STAFF_GROUP}`,
      STAFF_LOCALE: "en",
    });
    const server = start(["serve"], { RUN_WORKERS: "false", PORT: String(await freePort()) });
    await ready(server, /listening on http/);
    const workers = [await freePort(), await freePort()].map((p) =>
      start(["worker", "--concurrency", "4"], { WORKER_METRICS_PORT: String(p) }),
    );
    await Promise.all(workers.map((w) => ready(w, /worker running/)));
  }, 120_000);

  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
    await Promise.all(procs.map((p) => p.exited));
    await shop?.dispose();
    await apiServer?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  it("one scheduler per staff job, each run in a worker; the alert and the expiry notice reach the group once", async () => {
    const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const prefix = shop.c.config.REDIS_PREFIX;
    try {
      for (const name of STAFF_JOBS) {
        const q = new Queue(name, { connection: redis, prefix });
        const schedulers = await q.getJobSchedulers();
        expect(schedulers.map((s) => [s.key, s.every])).toEqual([[name, expect.any(Number)]]);
      }
      // Each ran (the first run when the workers start), in a worker: serve runs none.
      const until = Date.now() + 30_000;
      const finished = async () =>
        Promise.all(
          STAFF_JOBS.map(async (name) => {
            const jobs = await new Queue(name, { connection: redis, prefix }).getJobs(["completed", "failed"]);
            return { name, completed: jobs.filter((j) => j.finishedOn && !j.failedReason).length, jobs };
          }),
        );
      let runs = await finished();
      while (runs.some((r) => r.completed === 0) && Date.now() < until) {
        await sleep(200);
        runs = await finished();
      }
      // Scheduled once: two workers starting meant one first run of each, not two.
      expect(runs.map((r) => [r.name, r.completed])).toEqual(STAFF_JOBS.map((n) => [n, 1]));
    } finally {
      redis.disconnect();
    }

    // The sweep found the low stock, the expiry the request: serve's alerter posted each to the group once.
    const want = [new RegExp(`Low stock: ${sku} has 2 codes left`), /Approval request expired undecided: refund order/];
    const until = Date.now() + 20_000;
    while (want.some((w) => !groupTexts().some((t) => w.test(t))) && Date.now() < until) await sleep(100);
    await sleep(1_500);
    for (const w of want) expect(groupTexts().filter((t) => w.test(t))).toHaveLength(1);
    expect((await shop.prisma.approvalRequest.findUniqueOrThrow({ where: { id: requestId } })).status).toBe("EXPIRED");
    expect(await shop.prisma.staffAlert.count({ where: { kind: "low_stock", status: "OPEN" } })).toBe(1);
    for (const p of procs) expect(p.child.exitCode).toBeNull();
  }, 90_000);
});
