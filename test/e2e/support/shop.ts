import { randomBytes } from "node:crypto";
import type { ContainerOptions } from "../../../app/container.ts";
import { createHttpApp } from "../../../app/http-app.ts";
import { startSupplierSim, type RunningSupplierSim } from "../../../app/supplier-sim/index.ts";
import { systemCode, walletCode } from "../../../core/ledger/index.ts";
import { createOrderStore } from "../../../core/orders/index.ts";
import { newId, sleep, systemContext, type Currency } from "../../../core/shared/index.ts";
import { createEmbeddedTestContainer, createTestContainer, type TestContainer } from "../../support/container.ts";
import { TEST_REDIS_URL } from "../../support/env.ts";
import { deleteRedisPrefix, testRedisPrefix } from "../../support/redis.ts";

export const ctx = systemContext("test");

export interface ShopOptions {
  /** BullMQ on the local Redis (a prefix of this file's own); otherwise the in-process queue. */
  redis?: boolean;
  env?: Record<string, string>;
  container?: ContainerOptions;
  /** Start the job workers in this process. */
  workers?: boolean;
  /** The embedded default (PGlite in a temporary data folder) instead of a PostgreSQL database. */
  embedded?: boolean;
}

export type Shop = Awaited<ReturnType<typeof createShop>>;

/** A test shop: a container on its own database (and Redis prefix), with helpers to stock and fund it. */
export async function createShop(label: string, opts: ShopOptions = {}) {
  const prefix = testRedisPrefix(label);
  const env = {
    ...(opts.redis ? { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix.toLowerCase().slice(0, 40) } : {}),
    ...opts.env,
  };
  const t: Omit<TestContainer, "testDb"> & { testDb?: TestContainer["testDb"] } = opts.embedded
    ? await createEmbeddedTestContainer(label, env, opts.container ?? {})
    : await createTestContainer(label, env, opts.container ?? {});
  const c = t.container;
  const app = createHttpApp(c);
  const sims: RunningSupplierSim[] = [];
  if (opts.workers !== false) {
    await c.startWorkers({ concurrency: 20 });
    c.events.host(c.fulfilmentDispatcher);
    await c.events.start();
  }
  let seq = 0;

  const shop = {
    t,
    c,
    app,
    prisma: c.db.prisma,
    prefix,
    async category(slug = `cat-${++seq}`) {
      return c.catalog.upsertCategory(ctx, { slug, nameZh: `类目${seq}`, nameEn: `Category ${seq}` });
    },
    async codeProduct(input: { price?: bigint; stock?: number; sku?: string; maxQty?: number; cost?: bigint } = {}) {
      const cat = await shop.category();
      const product = await c.catalog.upsertProduct(ctx, {
        sku: input.sku ?? `CARD-${++seq}-${randomBytes(3).toString("hex")}`,
        categoryId: cat.id,
        nameZh: "测试卡",
        nameEn: "Test card",
        faceValue: input.price ?? 1000n,
        currency: "CNY",
        price: input.price ?? 1000n,
        deliveryKind: "CODE",
        maxQty: input.maxQty ?? 10,
      });
      if (input.stock) await shop.importCodes(product.id, input.stock);
      if (input.cost !== undefined) {
        const stock = await c.suppliers.upsertSupplier(ctx, { code: `stock-${seq}`, name: "Own stock", kind: "STOCK" });
        await c.suppliers.linkProduct(ctx, { productId: product.id, supplierId: stock.id, cost: input.cost });
      }
      return product;
    },
    async importCodes(productId: string, n: number, tag = randomBytes(4).toString("hex")) {
      const lines = Array.from({ length: n }, (_, i) => `CODE-${tag}-${i}`).join("\n");
      const r = await c.inventory.importCodes(ctx, { productId, source: "test", content: lines });
      if (r.imported !== n) throw new Error(`imported ${r.imported} of ${n}`);
      return r;
    },
    /** A simulated supplier over real HTTP, registered as an HTTP supplier. */
    async supplier(
      code: string,
      behaviour: Parameters<typeof startSupplierSim>[0] extends infer O ? Partial<O> : never = {},
    ) {
      const secret = `sim-secret-${code}-${randomBytes(6).toString("hex")}`;
      const sim = await startSupplierSim({ secret, latencyMs: 0, ...behaviour });
      sims.push(sim);
      const row = await c.suppliers.upsertSupplier(ctx, {
        code,
        name: `Sim ${code}`,
        kind: "HTTP",
        baseUrl: sim.url,
        secret,
      });
      return { sim: sim.sim, running: sim, supplier: row, secret };
    },
    async directProduct(links: Array<{ supplierId: string; cost: bigint; priority?: number }>, price = 3000n) {
      const cat = await shop.category();
      const product = await c.catalog.upsertProduct(ctx, {
        sku: `TOPUP-${++seq}-${randomBytes(3).toString("hex")}`,
        categoryId: cat.id,
        nameZh: "话费直充",
        nameEn: "Mobile top-up",
        faceValue: price,
        currency: "CNY",
        price,
        deliveryKind: "DIRECT",
        targetKind: "MOBILE",
      });
      for (const l of links)
        await c.suppliers.linkProduct(ctx, {
          productId: product.id,
          supplierId: l.supplierId,
          cost: l.cost,
          priority: l.priority ?? 0,
        });
      return product;
    },
    async user(name = `buyer-${++seq}`) {
      const id = newId();
      await c.db.prisma.user.create({ data: { id, displayName: name } });
      return id;
    },
    /** Top-up as the payment flow books it: `custody −X, wallet +X`. */
    async fund(userId: string, amount: bigint, currency: Currency = "CNY") {
      const r = await c.ledger.post(ctx, {
        idempotencyKey: `test-fund:${userId}:${++seq}`,
        kind: "top_up",
        legs: [
          { account: systemCode("custody", currency), amount: -amount },
          { account: walletCode(userId, currency), amount },
        ],
      });
      if (!r.ok) throw new Error("funding failed");
    },
    async buyer(amount = 100_000n) {
      const userId = await shop.user();
      if (amount > 0n) await shop.fund(userId, amount);
      const key = await c.apiKeys.create({ userId, name: "test" });
      return { userId, key: key.key };
    },
    /** A new funded buyer's top-up of a DIRECT product, paid from the wallet (it stays PAID while no worker runs). */
    async paidTopUp(productId: string, quantity = 1, idempotencyKey = `topup-${++seq}`) {
      const { userId } = await shop.buyer(100_000n);
      const r = await c.orders.place(
        { ...ctx, actor: { kind: "buyer", userId } },
        { userId, productId, quantity, target: "13800138000", idempotencyKey, payWith: "wallet" },
      );
      if (!r.ok) throw new Error(`order not placed: ${r.code}`);
      return { userId, order: r.order };
    },
    async walletBalance(userId: string, currency: Currency = "CNY") {
      return (await c.ledger.balance(ctx, walletCode(userId, currency))).balance;
    },
    request(path: string, init: { method?: string; key?: string; idem?: string; body?: unknown; raw?: string } = {}) {
      const headers: Record<string, string> = {};
      if (init.key) headers.authorization = `Bearer ${init.key}`;
      if (init.idem) headers["idempotency-key"] = init.idem;
      if (init.body !== undefined || init.raw !== undefined) headers["content-type"] = "application/json";
      return app.request(path, {
        method: init.method ?? (init.body !== undefined || init.raw !== undefined ? "POST" : "GET"),
        headers,
        body: init.raw ?? (init.body !== undefined ? JSON.stringify(init.body) : undefined),
      });
    },
    async order(orderId: string) {
      return c.orders.get(ctx, { orderId });
    },
    /** The order store itself (the facade does not expose it), for tests that drive a state change directly. */
    orderStore: createOrderStore({ clock: c.clock }),
    async waitForStatus(orderIds: string[], statuses: string[], timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const rows = await c.db.prisma.order.findMany({
          where: { id: { in: orderIds } },
          select: { id: true, status: true },
        });
        if (rows.length === orderIds.length && rows.every((r) => statuses.includes(r.status))) return rows;
        if (Date.now() > deadline)
          throw new Error(
            `timed out waiting for ${statuses.join("/")}: ${JSON.stringify(rows.filter((r) => !statuses.includes(r.status)).slice(0, 5))}`,
          );
        await sleep(50);
      }
    },
    /** Invariants that must hold whatever happened. */
    async invariants() {
      const p = c.db.prisma;
      const [dupCodes] = await p.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM (
        SELECT code_id FROM order_codes GROUP BY code_id HAVING count(*) > 1) d`;
      const [wrongOwner] = await p.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM order_codes oc
        JOIN codes c ON c.id = oc.code_id WHERE c.order_id IS DISTINCT FROM oc.order_id`;
      const [doubleSettled] = await p.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM (
        SELECT metadata->>'orderId' FROM ledger_transactions WHERE kind = 'order_settlement'
        GROUP BY metadata->>'orderId' HAVING count(*) > 1) d`;
      const [soldNotDelivered] = await p.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM codes c
        JOIN orders o ON o.id = c.order_id WHERE c.status = 'SOLD' AND o.status <> 'DELIVERED'`;
      const check = await c.ledger.check(ctx);
      const reconcile = await c.ledger.reconcile(ctx, "CNY");
      return {
        codeOnTwoOrders: Number(dupCodes!.n),
        codeOwnerMismatch: Number(wrongOwner!.n),
        doubleSettled: Number(doubleSettled!.n),
        soldNotDelivered: Number(soldNotDelivered!.n),
        ledgerOk: check.ok,
        reconcileOk: reconcile.ok,
      };
    },
    async dispose() {
      for (const s of sims) await s.stop().catch(() => {});
      await t.dispose();
      if (opts.redis) await deleteRedisPrefix(TEST_REDIS_URL, prefix.toLowerCase().slice(0, 40));
    },
  };
  return shop;
}

export const CLEAN = {
  codeOnTwoOrders: 0,
  codeOwnerMismatch: 0,
  doubleSettled: 0,
  soldNotDelivered: 0,
  ledgerOk: true,
  reconcileOk: true,
};
