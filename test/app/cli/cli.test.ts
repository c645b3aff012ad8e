import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliRunner } from "./cli-fixture.ts";
import { TEST_ENCRYPTION_KEY } from "../../support/container.ts";
import { createShop, ctx, type Shop } from "../../e2e/support/shop.ts";
import { sql } from "../../../core/shared/sql.ts";
import { commit, paid } from "../../contracts/event-consumers.contract.ts";

const ROOT = path.resolve(import.meta.dirname, "../../..");

/** The commands run in this process, against the test shop's container, with their output captured. */
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

  const cli = cliRunner(() => ({ container: shop.c }));

  it("has --help on every command, and usage errors print help without running anything", async () => {
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
    expect((await cli("wallet", "credit", "--help")).out).toContain("--idempotency-key");
    const unknown = await cli("no-such-command");
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/unknown command 'no-such-command'/);
  });

  it("imports codes: blank lines ignored, duplicate and rejected lines named, no batch when nothing is new", async () => {
    const file = path.join(dir, "codes.csv");
    const lines = ["NEW-1", "NEW-2,secret", "", "NEW-1", "x".repeat(600), "  ", "NEW-3", ",nocode"];
    await writeFile(file, lines.join("\n") + "\n\n");
    const before = await shop.prisma.code.count();
    const batches = await shop.prisma.codeBatch.count();
    const ok = await cli("import-codes", file, "--product", sku, "--no-progress");
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(
      /^imported 3 new code\(s\) for CLI-CARD-10 ".+" into batch [0-9a-f-]{36}: 1 duplicate, 2 rejected$/m,
    );
    expect(ok.out).toContain(
      "  line 4: duplicate of an earlier line\n  line 5: rejected: too long\n  line 8: rejected: empty code\n",
    );
    expect(ok.out).not.toMatch(/line [36]:/); // the blank lines
    expect(await shop.prisma.code.count()).toBe(before + 3);

    const again = await cli("import-codes", file, "--product", sku, "--no-progress");
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/^nothing imported for CLI-CARD-10 ".+" \(4 duplicate, 2 rejected\): no batch created$/m);
    expect(again.out).toContain("  line 1: duplicate: already imported\n");
    expect(await shop.prisma.codeBatch.count()).toBe(batches + 1);

    const many = path.join(dir, "many-bad.txt");
    await writeFile(many, ",x\n".repeat(30));
    const bad = await cli("import-codes", many, "--product", sku, "--no-progress");
    expect(bad.code).toBe(1);
    expect(bad.out.match(/^ {2}line \d+: rejected: empty code$/gm)).toHaveLength(20);
    expect(bad.out).toContain("  … and 10 more duplicate or rejected line(s)");
    expect(bad.err).toContain(`no valid code in ${many}`);
    const blank = path.join(dir, "blank.txt");
    await writeFile(blank, "\n \n");
    const empty = await cli("import-codes", blank, "--product", sku);
    expect(empty.code).toBe(1);
    expect(empty.err).toContain(`no codes in ${blank}`);
    expect(await shop.prisma.codeBatch.count()).toBe(batches + 1);

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
  });

  it("credits a wallet once per request in readable money, checks the ledger, manages API keys, shows stock and orders", async () => {
    const userId = await shop.user("Shop Credit");
    const credit = (...extra: string[]) =>
      cli("wallet", "credit", "--user", userId, "--amount", "1717.90", "--reason", "offline bank transfer", ...extra);
    const first = await credit();
    expect(first.code, first.err).toBe(0);
    expect(first.out).toContain(`credited ¥1,717.90 to "Shop Credit" (${userId}): balance ¥1,717.90`);
    const again = await credit();
    expect(again.out).toContain("already credited (same idempotency key; pass --idempotency-key to credit again)");
    expect(await shop.walletBalance(userId)).toBe(171_790n);
    const second = await credit("--idempotency-key", "bank-ref-8813");
    expect(second.out).toContain("credited ¥1,717.90");
    expect(second.out).toContain("balance ¥3,435.80");
    expect(await shop.walletBalance(userId)).toBe(343_580n);
    const bad = await cli("wallet", "credit", "--user", userId, "--amount", "-5", "--reason", "oops");
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("--amount");
    expect(await shop.walletBalance(userId)).toBe(343_580n);

    const check = await cli("ledger", "check");
    expect(check.code, check.out + check.err).toBe(0);
    expect(check.out).toMatch(
      /custody CNY: matches customer funds \(custody holds ¥[\d,]+\.\d\d, customer funds ¥[\d,]+\.\d\d\)/,
    );
    expect(check.out).not.toMatch(/-\d{3,}/); // no raw minor units
    expect(check.out).toContain("ledger check ok");

    const created = await cli("api-key", "create", "--user", userId, "--name", "erp");
    expect(created.code, created.err).toBe(0);
    const key = /kmg_live_[A-Za-z0-9_-]{32}/.exec(created.out)![0];
    const prefix = key.slice(0, 13);
    const listed = await cli("api-key", "list", "--user", userId);
    expect(listed.code, listed.err).toBe(0);
    expect(listed.out).toContain(`${prefix}…  "erp"  active\n  owner "Shop Credit" (${userId})\n  created `);
    expect(listed.out).toMatch(/created \d{4}-\d\d-\d\d \d\d:\d\d UTC, last used never/);
    expect(listed.out).not.toContain(key);
    expect(await shop.c.apiKeys.verify(key)).toMatchObject({ userId });
    await shop.prisma.apiKey.updateMany({ where: { prefix }, data: { lastUsedAt: new Date("2026-11-30T08:15:00Z") } });
    expect((await cli("api-key", "list", "--user", userId)).out).toContain("last used 2026-11-30 08:15 UTC");
    expect((await cli("api-key", "revoke", prefix)).code).toBe(0);
    expect((await cli("api-key", "list", "--user", userId)).out).toMatch(/"erp" {2}revoked \d{4}-/);
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
    expect(show.out).toContain(`  buyer "Shop Credit" (${userId}) via`);
    expect(show.out).toContain(`  CLI-CARD-10 ${JSON.stringify(product!.nameEn)} × 1`);
    expect(show.out).toMatch(/ {2}total ¥\d+\.\d\d\n/);
    expect(show.out).not.toContain(product!.id);
    expect(show.out).toContain("CREATED → PAID");
    expect(show.out).toContain("FULFILLING → DELIVERED");
    const badId = await cli("order", "show", "123");
    expect(badId.code).toBe(1);
    expect(badId.err).toContain("name an order by its number");
  });

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
  });

  it("one real process: the bundled CLI (`npm run cli`) opens the database itself and answers", async () => {
    const run = (...args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, ["app/cli.mjs", ...args], {
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
    const r = await run("stock", "--product", sku);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/CLI-CARD-10\s+CODE/);
    const bad = await run("wallet", "credit", "--user", "nobody", "--amount", "1", "--reason", "test");
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("--user must be a user id (UUID)");
  }, 120_000);
});
