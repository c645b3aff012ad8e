import { systemCode, walletCode } from "../../core/ledger/index.ts";
import type { Container } from "../../app/container.ts";
import { startSupplierSim } from "../../app/supplier-sim/index.ts";
import { expireHoldsJob, expireOrdersJob, pollSupplierRequestsJob } from "../../jobs/catalog.ts";
import { newId, systemContext, type CoreContext } from "../../core/shared/index.ts";
import { createTestContainer } from "../../test/support/container.ts";
import { userId } from "../seed/ids.ts";
import { priceOf, shapeSizes } from "../seed/layout.ts";
import { SqlRecorder, type RecordedStep } from "./recording-runner.ts";

/**
 * Runs one stock order paid from the wallet and one DIRECT order (placement, the fulfil job, delivery)
 * through the real service — a container on a fresh database, its job workers in process, the
 * simulated supplier over HTTP — and records every statement they send (SqlRecorder on `db.sql`).
 * Each is recorded warm (caches filled, accounts known, statements prepared) as under load.
 */

export interface Roles {
  /** Values the scripts draw per transaction or take from the seed, by their value in the capture. */
  user: string;
  stockProduct: string;
  directProduct: string;
  stockSupplier: string;
  simSupplier: string;
}

export interface OrderCapture {
  stock: RecordedStep[];
  direct: RecordedStep[];
  roles: Roles;
  /** Every id of a row that existed before the recorded orders (none may be drawn as a fresh id). */
  existingIds: Set<string>;
}

const QUIET_MS = 150;
/** Periodic jobs do not run while recording. */
const NEVER = 24 * 3_600_000;

export async function captureOrders(): Promise<OrderCapture> {
  const recorder = new SqlRecorder();
  const tc = await createTestContainer(
    "capture",
    {},
    {
      wrapSql: (sql) => recorder.wrap(sql),
      workerTuning: {
        repeatEveryMs: { [expireOrdersJob]: NEVER, [pollSupplierRequestsJob]: NEVER, [expireHoldsJob]: NEVER },
      },
    },
  );
  const c = tc.container;
  const sim = await startSupplierSim({ secret: "capture-sim-secret", latencyMs: 0 });
  try {
    const roles = await setUp(c, sim.url);
    await c.startWorkers({ concurrency: 4 });
    const z = shapeSizes(1);
    const place = async (productId: string, direct: boolean) => {
      const key = newId();
      const ctx: CoreContext = {
        ...systemContext("capture", { channel: "http", idempotencyKey: key }),
        actor: { kind: "distributor", userId: roles.user, via: "api", apiKeyId: newId() },
      };
      const res = await c.orders.place(ctx, {
        userId: roles.user,
        productId,
        quantity: 1,
        target: direct ? "13800138000" : null,
        idempotencyKey: key,
        payWith: "wallet",
      });
      if (!res.ok) throw new Error(`capture order refused: ${res.code}`);
      const deadline = Date.now() + 30_000;
      for (;;) {
        const o = await c.db.prisma.order.findUniqueOrThrow({ where: { id: res.order.id } });
        if (o.status === "DELIVERED") break;
        if (Date.now() > deadline || !["PAID", "FULFILLING"].includes(o.status))
          throw new Error(`capture order ended ${o.status}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      await recorder.idle(QUIET_MS);
      return res.order.id;
    };
    const record = async (productId: string, direct: boolean) => {
      // Warm: caches filled, prepared statements, and accounts known to exist (an account the first
      // order created is known only once a later order found it there).
      for (let i = 0; i < 2; i++) await place(productId, direct);
      recorder.start();
      await place(productId, direct);
      return recorder.stop();
    };
    if (priceOf(z, 1).price !== 990 || priceOf(z, z.codeProducts + 1).price !== 2990)
      throw new Error("the capture's prices must be the seeded products' prices");
    const existingIds = await existing(c);
    const stock = await record(roles.stockProduct, false);
    const direct = await record(roles.directProduct, true);
    for (const id of await existing(c)) existingIds.add(id);
    return { stock, direct, roles, existingIds };
  } finally {
    await sim.stop();
    await tc.dispose();
  }
}

/** Ids of rows that exist now (taken before and after recording: a recorded fresh id must be in neither). */
async function existing(c: Container): Promise<Set<string>> {
  const rows = await c.db.prisma.$queryRaw<{ id: string }[]>`
    SELECT id::text AS id FROM users UNION ALL SELECT id::text FROM products UNION ALL SELECT id::text FROM suppliers
    UNION ALL SELECT id::text FROM categories UNION ALL SELECT id::text FROM ledger_accounts
    UNION ALL SELECT id::text FROM code_batches`;
  return new Set(rows.map((r) => r.id));
}

/** The same catalogue as one hot product and one DIRECT product of the seed (bench/seed): same prices, costs, version 1. */
async function setUp(c: Container, simUrl: string): Promise<Roles> {
  const ctx = systemContext("capture", { channel: "cli" });
  const cat = await c.catalog.upsertCategory(ctx, { slug: "bench", nameZh: "压测", nameEn: "Bench" });
  const stock = await c.suppliers.upsertSupplier(ctx, { code: "bench-stock", name: "Own stock", kind: "STOCK" });
  const simSupplier = await c.suppliers.upsertSupplier(ctx, {
    code: "bench-sim",
    name: "Simulated supplier",
    kind: "HTTP",
    baseUrl: simUrl,
    secret: "capture-sim-secret",
  });
  const card = await c.catalog.upsertProduct(ctx, {
    sku: "BENCH-CARD-1",
    categoryId: cat.id,
    nameZh: "压测卡1",
    nameEn: "Bench card 1",
    faceValue: 1000n,
    currency: "CNY",
    price: 990n,
    deliveryKind: "CODE",
  });
  await c.suppliers.linkProduct(ctx, { productId: card.id, supplierId: stock.id, cost: 900n });
  await c.inventory.importCodes(ctx, {
    productId: card.id,
    source: "capture",
    content: Array.from({ length: 10 }, (_, i) => `CAPTURE-${newId()}-${i},pw${i}`).join("\n"),
  });
  const topUp = await c.catalog.upsertProduct(ctx, {
    sku: "BENCH-TOPUP",
    categoryId: cat.id,
    nameZh: "压测话费",
    nameEn: "Bench top-up",
    faceValue: 3000n,
    currency: "CNY",
    price: 2990n,
    deliveryKind: "DIRECT",
    targetKind: "MOBILE",
  });
  await c.suppliers.linkProduct(ctx, {
    productId: topUp.id,
    supplierId: simSupplier.id,
    cost: 2950n,
    supplierSku: "BENCH-TOPUP",
  });
  for (const p of [card, topUp]) {
    const fresh = await c.catalog.getProduct(ctx, p.id);
    if (fresh?.version !== 1) throw new Error(`capture product ${p.sku} is at version ${fresh?.version}, not 1`);
  }
  const user = userId(1);
  await c.db.prisma.user.create({ data: { id: user, displayName: "capture buyer" } });
  const funded = await c.ledger.post(ctx, {
    idempotencyKey: `capture-fund:${user}`,
    kind: "top_up",
    legs: [
      { account: systemCode("custody", "CNY"), amount: -1_000_000n },
      { account: walletCode(user, "CNY"), amount: 1_000_000n },
    ],
  });
  if (!funded.ok) throw new Error("funding the capture buyer failed");
  return {
    user,
    stockProduct: card.id,
    directProduct: topUp.id,
    stockSupplier: stock.id,
    simSupplier: simSupplier.id,
  };
}
