import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_ENCRYPTION_KEY } from "../../support/container.ts";
import { createShop, ctx, type Shop } from "../../e2e/support/shop.ts";
import { sql } from "../../../core/shared/sql.ts";
import { commit, paid } from "../../contracts/event-consumers.contract.ts";

const ROOT = path.resolve(import.meta.dirname, "../../..");

describe("operator CLI", () => {
  let shop: Shop;
  let dir: string;
  let sku: string;
  beforeAll(async () => {
    shop = await createShop("cli", { workers: false });
    dir = await mkdtemp(path.join(tmpdir(), "kameng-cli-"));
    sku = (await shop.codeProduct({ stock: 2, sku: "CLI-CARD-10" })).sku;
  });
  afterAll(async () => {
    await shop.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", "app/main.ts", ...args], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          NODE_ENV: "test",
          DATABASE_URL: shop.t.testDb!.url,
          DATABASE_POOL_SIZE: "2",
          CODE_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
          SANDBOX_WEBHOOK_SECRET: "whsec_test_secret_0123456789",
          DATA_DIR: dir,
          DEMO_SEED: "false",
        },
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (err += d));
      child.on("exit", (code) => resolve({ code, out, err }));
    });

  it("has --help on every command", async () => {
    const root = await cli("--help");
    expect(root.code).toBe(0);
    for (const c of [
      "serve",
      "worker",
      "migrate",
      "seed",
      "import-codes",
      "api-key",
      "wallet",
      "stock",
      "order",
      "ledger",
      "events",
    ])
      expect(root.out).toContain(c);
    const sub = await cli("import-codes", "--help");
    expect(sub.code).toBe(0);
    expect(sub.out).toContain("--product <sku>");
    expect((await cli("wallet", "credit", "--help")).out).toContain("--reason");
  }, 60_000);

  it("imports codes with counts and line errors; bad input changes nothing", async () => {
    const file = path.join(dir, "codes.csv");
    await writeFile(file, ["NEW-1", "NEW-2,secret", "", "NEW-1", "x".repeat(600), "NEW-3"].join("\n"));
    const before = await shop.prisma.code.count();
    const ok = await cli("import-codes", file, "--product", sku, "--no-progress");
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/3 imported, 1 duplicate, 2 rejected/);
    expect(ok.out).toMatch(/line 3: empty/);
    expect(await shop.prisma.code.count()).toBe(before + 3);

    const unknown = await cli("import-codes", file, "--product", "NO-SUCH-SKU");
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no product with SKU "NO-SUCH-SKU"');
    expect(unknown.err).not.toMatch(/\n\s+at /); // no stack trace
    const missing = await cli("import-codes", path.join(dir, "nope.txt"), "--product", sku);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("cannot read");
    const noSku = await cli("import-codes", file);
    expect(noSku.code).not.toBe(0);
    expect(noSku.err).toContain("--product");
    expect(await shop.prisma.code.count()).toBe(before + 3);
  }, 90_000);

  it("credits a wallet once per request, checks the ledger, manages API keys, shows stock and orders", async () => {
    const userId = await shop.user();
    const credit = () =>
      cli("wallet", "credit", "--user", userId, "--amount", "12.50", "--reason", "offline bank transfer");
    const first = await credit();
    expect(first.code, first.err).toBe(0);
    expect(first.out).toContain("credited 12.50 CNY");
    const again = await credit();
    expect(again.out).toContain("already credited");
    expect(await shop.walletBalance(userId)).toBe(1250n);
    const bad = await cli("wallet", "credit", "--user", userId, "--amount", "-5", "--reason", "oops");
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("--amount");
    expect(await shop.walletBalance(userId)).toBe(1250n);

    const check = await cli("ledger", "check");
    expect(check.code, check.out + check.err).toBe(0);
    expect(check.out).toContain("ledger check ok");

    const created = await cli("api-key", "create", "--user", userId, "--name", "erp");
    expect(created.code, created.err).toBe(0);
    const key = /kmg_live_[A-Za-z0-9_-]{32}/.exec(created.out)![0];
    expect(await shop.c.apiKeys.verify(key)).toMatchObject({ userId });
    const prefix = key.slice(0, 13);
    expect((await cli("api-key", "revoke", prefix)).code).toBe(0);
    const twice = await cli("api-key", "revoke", prefix);
    expect(twice.code).toBe(1);
    expect(twice.err).toContain("no active API key");

    const stock = await cli("stock", "--product", sku);
    expect(stock.code).toBe(0);
    expect(stock.out).toMatch(/CLI-CARD-10\s+CODE/);

    const product = await shop.c.catalog.getProductBySku(ctx, sku);
    await shop.fund(userId, 10_000n);
    const placed = await shop.c.orders.place(ctx, {
      userId,
      productId: product!.id,
      quantity: 1,
      idempotencyKey: "cli-o",
      payWith: "wallet",
    });
    if (!placed.ok) throw new Error(placed.code);
    const show = await cli("order", "show", placed.order.id);
    expect(show.code, show.err).toBe(0);
    expect(show.out).toContain(`(${placed.order.id}): DELIVERED`);
    expect(show.out).toContain("CREATED → PAID");
    expect(show.out).toContain("FULFILLING → DELIVERED");
    const badId = await cli("order", "show", "123");
    expect(badId.code).toBe(1);
    expect(badId.err).toContain("name an order by its number");
  }, 120_000);

  it("events: each consumer's position and lag, the failed events, and a retry of the parked ones", async () => {
    const db = shop.c.db.sql;
    await commit(db, [paid("cli")]);
    const [{ id }] = (await db.query<{ id: bigint }>(sql`SELECT max(id) AS id FROM outbox_events`)) as [{ id: bigint }];
    await db.execute(sql`INSERT INTO event_failures (consumer, event_id, attempts, next_attempt_at, last_error, parked_at)
      VALUES ('shop-notifier', ${id}::bigint, 10, now(), 'Error: chat down', now())`);

    const consumers = await cli("events", "consumers");
    expect(consumers.code, consumers.err).toBe(0);
    expect(consumers.out).toMatch(/fulfilment-dispatcher: not running anywhere/);
    expect(consumers.out).toMatch(/shop-notifier: not running anywhere\n.*\n.*failing 0, parked 1/);
    expect(consumers.out).toMatch(/lag [1-9]\d* event/);

    const failed = await cli("events", "failed", "--parked");
    expect(failed.code, failed.err).toBe(0);
    expect(failed.out).toContain(`shop-notifier #${id} order.paid`);
    expect(failed.out).toMatch(/10 attempt\(s\), PARKED since/);
    expect(failed.out).toContain("last error: Error: chat down");

    const nothing = await cli("events", "retry", "--consumer", "shop-notifier");
    expect(nothing.code).toBe(1);
    expect(nothing.err).toContain("--all-parked");
    const retry = await cli("events", "retry", "--consumer", "shop-notifier", "--all-parked");
    expect(retry.code, retry.err).toBe(0);
    expect(retry.out).toContain("1 event(s) of shop-notifier due for a retry now");
    const row = await shop.prisma.eventFailure.findFirst({ where: { eventId: id } });
    expect(row).toMatchObject({ parkedAt: null, attempts: 10 });
  }, 120_000);
});
