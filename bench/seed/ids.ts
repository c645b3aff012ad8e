/**
 * Ids of the seeded rows, as formulas of a row number — the same in TypeScript (the load generator picks
 * its buyers) and in SQL (the seed writes them, the pgbench scripts draw them per transaction).
 *
 * They are UUIDv7-shaped like the service's own ids (core/shared/ids.ts): 48 bits of milliseconds, the
 * version nibble 7, three hex digits naming the kind of row, the variant nibble 8, then the row number.
 * Ids written by the service later sort after them, as v7 ids do in production.
 * The bases of the ids the scripts reference are fixed (they are part of the seed version).
 */

export const SEED_KINDS = {
  user: "a01",
  product: "a02",
  supplier: "a03",
  category: "a04",
  batch: "a05",
  order: "b01",
  settleTx: "b02",
  payTx: "b03",
  refundTx: "b04",
  fundTx: "b05",
  walletAccount: "c01",
  systemAccount: "c02",
  identity: "d01",
  apiKey: "d02",
  supplierRequest: "d03",
} as const;

export type SeedKind = keyof typeof SEED_KINDS;

/** Users signed up a second apart from here; products were created a millisecond apart. */
export const USER_T0 = Date.UTC(2025, 0, 1);
export const PRODUCT_T0 = Date.UTC(2024, 6, 1);
const FIXED_T0 = Date.UTC(2024, 0, 1);

export function seedUuid(kind: SeedKind, n: number, tsMs: number): string {
  const hex = tsMs.toString(16).padStart(12, "0") + "7" + SEED_KINDS[kind] + "8" + n.toString(16).padStart(15, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The same id in SQL; `n` and `tsMs` are SQL expressions. */
export function seedUuidSql(kind: SeedKind, n: string, tsMs: string): string {
  return `(lpad(to_hex((${tsMs})::bigint), 12, '0') || '7${SEED_KINDS[kind]}8' || lpad(to_hex((${n})::bigint), 15, '0'))::uuid`;
}

export const userId = (n: number) => seedUuid("user", n, USER_T0 + n * 1000);
export const userIdSql = (n: string) => seedUuidSql("user", n, `${USER_T0} + (${n})::bigint * 1000`);

export const productId = (n: number) => seedUuid("product", n, PRODUCT_T0 + n);
export const productIdSql = (n: string) => seedUuidSql("product", n, `${PRODUCT_T0} + (${n})::bigint`);

/** Fixed rows: the category, the suppliers, the system accounts. */
export const fixedId = (kind: SeedKind, n: number) => seedUuid(kind, n, FIXED_T0 + n);

export const CATEGORY_ID = fixedId("category", 1);
/** Our own stock, linked to every CODE product. */
export const STOCK_SUPPLIER_ID = fixedId("supplier", 1);
/** The simulated HTTP supplier of the DIRECT products (its URL is set per run). */
export const SIM_SUPPLIER_ID = fixedId("supplier", 2);
export const STOCK_SUPPLIER_CODE = "bench-stock";
export const SIM_SUPPLIER_CODE = "bench-sim";
