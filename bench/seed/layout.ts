/**
 * The shape of the seeded database, from one knob (`BENCH_SHAPE_SCALE`, 1 = production-shaped):
 * how many users, products, codes and historical orders, and how the codes lie in the table — imported
 * in batches of one product at a time, sold oldest first, so sold and available codes of different
 * products interleave in id order the way imports and sales leave them. Pure functions (tested in
 * test/bench/seed-layout.test.ts); bench/seed/seed.ts writes what they describe.
 */

/** Bump when the seeded rows change meaning (the template cache key includes it). */
export const SEED_VERSION = 1;

export interface ShapeSizes {
  scale: number;
  users: number;
  /** Products 1…codeProducts are CODE products (1…hotProducts are the ones the bench buys), the rest DIRECT. */
  products: number;
  codeProducts: number;
  hotProducts: number;
  directProducts: number;
  codes: number;
  /** Historical stock orders: one sold code each. */
  stockOrders: number;
  /** Order slots 1…slots: every slot is one historical order (see slotKind). */
  slots: number;
  batchSize: number;
  /** Unsold codes of each hot product (what the bench can buy). */
  hotKeep: number;
  /** Unsold codes (available or expired) over the other CODE products together. */
  normalKeep: number;
  /** Users 1…apiKeys have a distributor API key (the bench's buyers). */
  apiKeys: number;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export function shapeSizes(scale: number): ShapeSizes {
  if (!(scale > 0)) throw new Error(`BENCH_SHAPE_SCALE must be > 0, got ${scale}`);
  const products = clamp(Math.round(200 * scale), 12, 200);
  const directProducts = Math.max(2, Math.round(products * 0.1));
  const codeProducts = products - directProducts;
  const hotProducts = Math.min(8, codeProducts - 1);
  const stockOrders = Math.max(1000, Math.round(850_000 * scale));
  // At scale 1: 850,000 sold + 8 × 10,000 + 70,000 unsold = 1,000,000 codes. Smaller scales keep
  // enough stock on the hot products for a bench run.
  const hotKeep = Math.max(4000, Math.round(10_000 * scale));
  const normalKeep = Math.max(200, Math.round(70_000 * scale));
  const codes = stockOrders + hotProducts * hotKeep + normalKeep;
  const users = Math.max(2000, Math.round(100_000 * scale));
  return {
    scale,
    users,
    products,
    codeProducts,
    hotProducts,
    directProducts,
    codes,
    stockOrders,
    slots: stockSlot(stockOrders),
    batchSize: clamp(Math.round(2000 * scale), 50, 2000),
    hotKeep,
    normalKeep,
    apiKeys: Math.min(users, 1500),
  };
}

// ── order slots: of every 20, 17 stock orders, 2 DIRECT orders (slots 7 and 14), 1 expired unpaid (20) ──

export type SlotKind = "stock" | "direct" | "refunded" | "expired";

const STOCK_RESIDUES = [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 15, 16, 17, 18, 19];

export function slotKind(j: number): SlotKind {
  const r = j % 20;
  if (r === 0) return "expired";
  if (r === 7 || r === 14) return Math.floor(j / 20) % 33 === 0 ? "refunded" : "direct";
  return "stock";
}

/** The slot of the k-th stock order (k ≥ 1). */
export const stockSlot = (k: number) => 20 * Math.floor((k - 1) / 17) + STOCK_RESIDUES[(k - 1) % 17]!;
export const stockSlotSql = (k: string) =>
  `(20 * ((${k} - 1) / 17) + (ARRAY[${STOCK_RESIDUES.join(",")}])[((${k} - 1) % 17) + 1])`;

/** DIRECT orders go to the DIRECT products in turn. */
export const directProductOf = (z: ShapeSizes, j: number) =>
  z.codeProducts + 1 + (Math.floor(j / 7) % z.directProducts);
/** Historical buyers, scattered over every user. */
export const buyerOf = (z: ShapeSizes, j: number) => 1 + ((j * 7919) % z.users);

// ── prices ──

export interface Price {
  price: number;
  cost: number;
}

export function priceOf(z: ShapeSizes, product: number): Price {
  if (product > z.codeProducts) return { price: 2990, cost: 2950 };
  if (product <= z.hotProducts) return { price: 990, cost: 900 };
  const price = 500 + ((product * 37) % 20) * 100;
  return { price, cost: Math.round(price * 0.95) };
}

// ── code batches ──

export interface Batch {
  index: number;
  product: number;
  /** Id of its first code (codes are numbered in import order). */
  firstCode: number;
  size: number;
  /** Its first `sold` codes are sold. */
  sold: number;
  /** Codes sold in earlier batches: its i-th code (0-based) is sold by stock order soldBefore + i + 1. */
  soldBefore: number;
  importedAt: number;
  expiresAt: number | null;
  /** What its unsold codes are: AVAILABLE, or past their expiry (marked EXPIRED, or not yet swept). */
  unsold: "AVAILABLE" | "EXPIRED" | "AVAILABLE_EXPIRED";
}

const DAY = 86_400_000;
/** The historical orders span this long before the seed's end. */
export const HISTORY_MS = 365 * DAY;

/** Deterministic 32-bit PRNG (mulberry32). */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The import batches in id order: each of one CODE product (hot products restock five times as often);
 * per product the oldest codes are sold, the rest kept — `hotKeep` on each hot product, `normalKeep`
 * spread over the others — and the sold ones, in id order, are the stock orders in time order.
 */
export function batchLayout(z: ShapeSizes, endMs: number): Batch[] {
  const random = prng(0x6b616d65 + SEED_VERSION);
  const n = Math.ceil(z.codes / z.batchSize);
  const weights = Array.from({ length: z.codeProducts }, (_, i) => (i < z.hotProducts ? 5 : 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const pick = () => {
    let r = random() * total;
    for (let p = 0; p < weights.length; p++) if ((r -= weights[p]!) < 0) return p + 1;
    return weights.length;
  };
  const products = Array.from({ length: n }, pick);
  const sizes = Array.from({ length: n }, (_, b) => (b === n - 1 ? z.codes - z.batchSize * (n - 1) : z.batchSize));
  const totals = new Map<number, number>();
  for (let b = 0; b < n; b++) totals.set(products[b]!, (totals.get(products[b]!) ?? 0) + sizes[b]!);
  // A hot product short of what it must keep gets the latest batches (a recent restock).
  for (let p = 1, b = n - 1; p <= z.hotProducts; p++) {
    while ((totals.get(p) ?? 0) < z.hotKeep && b >= 0) {
      const from = products[b]!;
      if (from > z.hotProducts || (totals.get(from) ?? 0) - sizes[b]! >= z.hotKeep) {
        totals.set(from, totals.get(from)! - sizes[b]!);
        totals.set(p, (totals.get(p) ?? 0) + sizes[b]!);
        products[b] = p;
      }
      b--;
    }
  }
  const keep = keepQuotas(z, totals);
  const sell = new Map([...totals].map(([p, t]) => [p, t - (keep.get(p) ?? 0)]));

  const batches: Batch[] = [];
  let firstCode = 1;
  let soldBefore = 0;
  const start = endMs - HISTORY_MS - 30 * DAY;
  for (let b = 0; b < n; b++) {
    const product = products[b]!;
    const size = sizes[b]!;
    const sold = Math.min(size, sell.get(product)!);
    sell.set(product, sell.get(product)! - sold);
    const importedAt = Math.round(start + ((HISTORY_MS + 29 * DAY) * b) / n);
    const hot = product <= z.hotProducts;
    const expiresAt = b % 7 === 3 ? (hot ? endMs + 60 * DAY : importedAt + 120 * DAY) : null;
    const expired = expiresAt !== null && expiresAt <= endMs;
    batches.push({
      index: b + 1,
      product,
      firstCode,
      size,
      sold,
      soldBefore,
      importedAt,
      expiresAt,
      unsold: !expired ? "AVAILABLE" : b % 2 === 0 ? "EXPIRED" : "AVAILABLE_EXPIRED",
    });
    firstCode += size;
    soldBefore += sold;
  }
  if (soldBefore !== z.stockOrders) throw new Error(`layout sold ${soldBefore} codes, expected ${z.stockOrders}`);
  return batches;
}

/** Unsold codes per product: hotKeep per hot product, normalKeep spread by size over the rest, exact sums. */
function keepQuotas(z: ShapeSizes, totals: Map<number, number>): Map<number, number> {
  const keep = new Map<number, number>();
  for (let p = 1; p <= z.hotProducts; p++) keep.set(p, Math.min(z.hotKeep, totals.get(p) ?? 0));
  const normals = [...totals.keys()].filter((p) => p > z.hotProducts).sort((a, b) => a - b);
  const normalTotal = normals.reduce((s, p) => s + totals.get(p)!, 0);
  let left = z.codes - z.stockOrders - [...keep.values()].reduce((a, b) => a + b, 0);
  for (const p of normals) {
    const q = Math.min(totals.get(p)!, Math.floor((z.normalKeep * totals.get(p)!) / Math.max(1, normalTotal)));
    keep.set(p, q);
    left -= q;
  }
  // Rounding (and any product too small for its share): the rest goes wherever there is room.
  for (const p of [...normals, ...Array.from({ length: z.hotProducts }, (_, i) => i + 1)]) {
    if (left <= 0) break;
    const room = (totals.get(p) ?? 0) - (keep.get(p) ?? 0);
    const add = Math.min(room, left);
    keep.set(p, (keep.get(p) ?? 0) + add);
    left -= add;
  }
  if (left !== 0) throw new Error(`cannot keep ${left} more codes unsold`);
  return keep;
}
