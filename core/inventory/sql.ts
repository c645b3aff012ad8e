import { invalidData, type DbOrTx } from "../shared/index.ts";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function assertUuid(value: string, field: string): void {
  if (typeof value !== "string" || !UUID_RE.test(value)) throw invalidData("invalid_id", `${field} must be a UUID`);
}

/** Codes a claim could take now: AVAILABLE and not past their expiry. */
export async function countAvailable(client: DbOrTx, productId: string, now: Date): Promise<number> {
  const [row] = await client.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM codes
    WHERE product_id = ${productId}::uuid AND status = 'AVAILABLE' AND (expires_at IS NULL OR expires_at > ${now})`;
  return row?.n ?? 0;
}
