import { Prisma } from "../../prisma/generated/client.ts";
import { invalidData, type DbOrTx } from "../shared/index.ts";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function assertUuid(value: string, field: string): void {
  if (typeof value !== "string" || !UUID_RE.test(value)) throw invalidData("invalid_id", `${field} must be a UUID`);
}

/**
 * Codes a claim could take at `now`: AVAILABLE and not past their expiry — written so the partial index
 * `codes_sellable_idx` (product_id, COALESCE(expires_at, 'infinity'), id) serves it with a range
 * condition (expired codes are skipped, not filtered). Use with `product_id = …` in the same WHERE.
 */
export const sellableAt = (now: Date) =>
  Prisma.sql`status = 'AVAILABLE' AND COALESCE(expires_at, 'infinity'::timestamptz) > ${now}::timestamptz`;

/**
 * The claim order: soonest-expiring first, then oldest. Only `codes_sellable_idx` provides it, so a
 * generic plan cannot walk the primary key instead (it did with `ORDER BY id` once `codes` was analyzed).
 */
export const SELLABLE_ORDER = Prisma.sql`COALESCE(expires_at, 'infinity'::timestamptz), id`;

/** Codes a claim could take now: AVAILABLE and not past their expiry. */
export async function countAvailable(client: DbOrTx, productId: string, now: Date): Promise<number> {
  const [row] = await client.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM codes WHERE product_id = ${productId}::uuid AND ${sellableAt(now)}`;
  return row?.n ?? 0;
}
