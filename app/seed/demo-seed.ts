import { randomBytes } from "node:crypto";
import { systemCode, walletCode } from "../../core/ledger/index.ts";
import { systemContext, type CoreContext } from "../../core/shared/index.ts";
import type { Container } from "../container.ts";

/** The demo distributor every first run creates (a fixed id, so seeding is idempotent). */
export const DEMO_USER_ID = "0190f0f0-0000-7000-8000-00000000d3e0";
export const DEMO_SIM_SUPPLIER = "sim";
export const DEMO_STOCK_SUPPLIER = "own-stock";
const DEMO_WALLET_FEN = 100_000n; // ¥1,000.00
const DEMO_CODES_PER_PRODUCT = 20;

interface DemoProduct {
  sku: string;
  nameZh: string;
  nameEn: string;
  faceValue: bigint;
  price: bigint;
  /** CODE: our unit cost of the stock; DIRECT: the simulated supplier's price. */
  cost: bigint;
  direct?: { carrier?: "CMCC" | "CUCC" | "CTCC" };
}

const CATALOG: Array<{ slug: string; nameZh: string; nameEn: string; products: DemoProduct[] }> = [
  {
    slug: "game-cards",
    nameZh: "游戏点卡",
    nameEn: "Game cards",
    products: [
      {
        sku: "GAME-QB-10",
        nameZh: "腾讯Q币 10元",
        nameEn: "Tencent Q-coins ¥10",
        faceValue: 1000n,
        price: 980n,
        cost: 950n,
      },
      {
        sku: "GAME-STEAM-100",
        nameZh: "Steam 钱包充值卡 100元",
        nameEn: "Steam wallet card ¥100",
        faceValue: 10000n,
        price: 9800n,
        cost: 9500n,
      },
      {
        sku: "GAME-NETEASE-50",
        nameZh: "网易一卡通 50元",
        nameEn: "NetEase card ¥50",
        faceValue: 5000n,
        price: 4850n,
        cost: 4700n,
      },
    ],
  },
  {
    slug: "phone-credit",
    nameZh: "话费充值",
    nameEn: "Phone credit",
    products: [
      {
        sku: "MOBILE-CMCC-50",
        nameZh: "中国移动话费 50元",
        nameEn: "China Mobile credit ¥50",
        faceValue: 5000n,
        price: 4980n,
        cost: 4900n,
        direct: { carrier: "CMCC" },
      },
      {
        sku: "MOBILE-CUCC-30",
        nameZh: "中国联通话费 30元",
        nameEn: "China Unicom credit ¥30",
        faceValue: 3000n,
        price: 2990n,
        cost: 2940n,
        direct: { carrier: "CUCC" },
      },
      {
        sku: "MOBILE-ANY-100",
        nameZh: "全网话费 100元",
        nameEn: "Mobile credit ¥100 (any carrier)",
        faceValue: 10000n,
        price: 9950n,
        cost: 9820n,
        direct: {},
      },
    ],
  },
  {
    slug: "video-memberships",
    nameZh: "视频会员",
    nameEn: "Video memberships",
    products: [
      {
        sku: "VIDEO-IQIYI-MONTH",
        nameZh: "爱奇艺黄金会员 月卡",
        nameEn: "iQIYI Gold, 1 month",
        faceValue: 2500n,
        price: 1980n,
        cost: 1700n,
      },
      {
        sku: "VIDEO-TENCENT-MONTH",
        nameZh: "腾讯视频VIP 月卡",
        nameEn: "Tencent Video VIP, 1 month",
        faceValue: 3000n,
        price: 2280n,
        cost: 2000n,
      },
      {
        sku: "VIDEO-BILIBILI-MONTH",
        nameZh: "哔哩哔哩大会员 月卡",
        nameEn: "bilibili Premium, 1 month",
        faceValue: 2500n,
        price: 1500n,
        cost: 1300n,
      },
    ],
  },
];

export interface DemoSeedResult {
  userId: string;
  /** Set only when this run created the demo key: it is shown once. */
  apiKey?: string;
  products: number;
  codesImported: number;
}

/**
 * Seeds the demo shop: three categories, CODE products with demo codes from our own stock, DIRECT
 * mobile top-ups through the simulated supplier (`simUrl`/`simSecret` when it runs in-process), and a
 * demo distributor with a funded wallet and an API key. Idempotent: a second run changes nothing but
 * the simulated supplier's address, and never shows the key again.
 */
export async function seedDemo(
  c: Pick<Container, "catalog" | "inventory" | "suppliers" | "ledger" | "apiKeys" | "db">,
  opts: { simUrl?: string; simSecret?: string } = {},
): Promise<DemoSeedResult> {
  const ctx: CoreContext = systemContext("demo-seed", { channel: "cli" });
  const stock = await c.suppliers.upsertSupplier(ctx, {
    code: DEMO_STOCK_SUPPLIER,
    name: "Own code stock",
    kind: "STOCK",
  });
  const sim = await c.suppliers.upsertSupplier(ctx, {
    code: DEMO_SIM_SUPPLIER,
    name: "Simulated supplier",
    kind: "HTTP",
    baseUrl: opts.simUrl ?? "http://127.0.0.1:9",
    ...(opts.simSecret ? { secret: opts.simSecret } : {}),
  });
  let products = 0;
  let codesImported = 0;
  for (const [i, cat] of CATALOG.entries()) {
    const category = await c.catalog.upsertCategory(ctx, {
      slug: cat.slug,
      nameZh: cat.nameZh,
      nameEn: cat.nameEn,
      sortOrder: i,
    });
    for (const p of cat.products) {
      const existing = await c.catalog.getProductBySku(ctx, p.sku);
      const product =
        existing ??
        (await c.catalog.upsertProduct(ctx, {
          sku: p.sku,
          categoryId: category.id,
          nameZh: p.nameZh,
          nameEn: p.nameEn,
          faceValue: p.faceValue,
          currency: "CNY",
          price: p.price,
          deliveryKind: p.direct ? "DIRECT" : "CODE",
          targetKind: p.direct ? "MOBILE" : null,
          carrier: p.direct?.carrier ?? null,
          maxQty: p.direct ? 1 : 10,
        }));
      products++;
      await c.suppliers.linkProduct(ctx, {
        productId: product.id,
        supplierId: p.direct ? sim.id : stock.id,
        cost: p.cost,
        supplierSku: p.sku,
      });
      if (!p.direct && (await c.db.prisma.code.count({ where: { productId: product.id } })) === 0) {
        const lines = Array.from(
          { length: DEMO_CODES_PER_PRODUCT },
          () => `DEMO-${p.sku}-${randomBytes(6).toString("hex").toUpperCase()},${randomBytes(3).toString("hex")}`,
        );
        const r = await c.inventory.importCodes(ctx, {
          productId: product.id,
          source: "demo seed",
          content: lines.join("\n"),
        });
        codesImported += r.imported;
      }
    }
  }

  const existingUser = await c.db.prisma.user.findUnique({ where: { id: DEMO_USER_ID } });
  if (!existingUser)
    await c.db.prisma.user.create({ data: { id: DEMO_USER_ID, displayName: "Demo distributor", locale: "zh-CN" } });
  await c.ledger.post(ctx, {
    idempotencyKey: "demo-seed:wallet",
    kind: "top_up",
    memo: "demo wallet",
    legs: [
      { account: systemCode("custody", "CNY"), amount: -DEMO_WALLET_FEN },
      { account: walletCode(DEMO_USER_ID, "CNY"), amount: DEMO_WALLET_FEN },
    ],
  });
  let apiKey: string | undefined;
  if ((await c.db.prisma.apiKey.count({ where: { userId: DEMO_USER_ID } })) === 0)
    apiKey = (await c.apiKeys.create({ userId: DEMO_USER_ID, name: "demo" })).key;
  return { userId: DEMO_USER_ID, apiKey, products, codesImported };
}
