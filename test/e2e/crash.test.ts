import { spawn, type ChildProcess } from "node:child_process";
import { asBuyer } from "../../core/shared/index.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLEAN, createShop, ctx, type Shop } from "./support/shop.ts";
import { serviceEnv } from "./support/service-env.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

describe("crash: a worker process killed after the supplier call and before the commit", () => {
  let shop: Shop;
  let dataDir: string;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    // This process only places orders; workers run as real child processes.
    shop = await createShop("crash", { redis: true, workers: false });
    dataDir = await mkdtemp(path.join(tmpdir(), "kameng-crash-"));
  }, 120_000);
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await shop?.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  const worker = (extraEnv: Record<string, string>, args: string[] = []) => {
    const child = spawn(process.execPath, ["--import", "tsx", "app/main.ts", "worker", "--concurrency", "4", ...args], {
      cwd: ROOT,
      env: serviceEnv(shop, dataDir, extraEnv),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    children.push(child);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal })),
    );
    return { child, exited, output: () => output };
  };

  it("the order completes exactly once and the supplier is charged once", async () => {
    const { sim, supplier } = await shop.supplier("crash-sim");
    const product = await shop.directProduct([{ supplierId: supplier.id, cost: 2500n }]);
    const userId = await shop.user();
    await shop.fund(userId, 3000n);
    // Placing enqueues fulfil-order on BullMQ (the fast path); the crashing worker picks it up.
    const first = worker({ KAMENG_TEST_CRASH_AFTER_SUPPLIER: "1" });
    const placed = await shop.c.orders.place(asBuyer(ctx, userId), {
      userId,
      productId: product.id,
      quantity: 1,
      target: "13800138000",
      idempotencyKey: "crash-1",
      payWith: "wallet",
    });
    if (!placed.ok) throw new Error(placed.code);
    const orderId = placed.order.id;
    const requestKey = `${orderId}.${supplier.id}`;

    const died = await Promise.race([first.exited, new Promise<null>((r) => setTimeout(() => r(null), 60_000))]);
    expect(died, first.output()).toEqual({ code: null, signal: "SIGKILL" });
    expect(first.output()).toContain("KAMENG_TEST_CRASH_AFTER_SUPPLIER");

    // Killed between the supplier's success and our commit: charged there, nothing delivered or settled here.
    expect(sim.chargesFor(requestKey)).toBe(1);
    const mid = await shop.order(orderId);
    expect(mid.status).toBe("FULFILLING");
    expect(await shop.prisma.ledgerTransaction.count({ where: { kind: "order_settlement" } })).toBe(0);

    // A second worker recovers it (the stuck-order sweeper, or BullMQ's stalled-job check) exactly once.
    const second = worker({}, ["--stuck-after-ms", "0"]);
    await shop.waitForStatus([orderId], ["DELIVERED"], 90_000);
    second.child.kill("SIGTERM");
    expect((await second.exited).code, second.output()).toBe(0);

    expect(sim.chargesFor(requestKey)).toBe(1);
    expect(sim.stats().charges).toBe(1);
    expect(await shop.prisma.ledgerTransaction.count({ where: { kind: "order_settlement" } })).toBe(1);
    const events = await shop.c.orders.events(ctx, { orderId });
    expect(events.filter((e) => e.toStatus === "DELIVERED")).toHaveLength(1);
    expect(await shop.order(orderId)).toMatchObject({ status: "DELIVERED", supplierId: supplier.id, costTotal: 2500n });
    expect(await shop.invariants()).toEqual(CLEAN);
  }, 180_000);
});
