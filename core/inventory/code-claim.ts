import { conflict, invalidData, type CoreContext, type DbOrTx, type TxOptions } from "../shared/index.ts";
import type { ClaimResult, InventoryDeps } from "./inventory.types.ts";
import { assertUuid, SELLABLE_ORDER, sellableAt } from "./sql.ts";

export const MAX_CLAIM_QUANTITY = 1000;

/**
 * Reserves `quantity` available, unexpired codes for an order, soonest-expiring (then oldest) first, in
 * ONE statement: it
 * locks candidates with FOR UPDATE SKIP LOCKED (concurrent claims never wait on each other or take the
 * same code) and only updates them when it found all `quantity`. So an out_of_stock result has written
 * nothing and the caller may commit or roll back; candidates it locked stay locked until the caller's
 * transaction ends. Run it inside the order's transaction so the reservation and the order commit
 * together. An order claims once: its order_codes positions start at 1, and a retry returns the codes
 * already reserved.
 */
export interface ClaimOptions extends TxOptions {
  /** The caller inserted the order in this transaction: it cannot hold codes yet (skips that check). */
  freshOrder?: boolean;
  /** Claim straight to SOLD (the order is delivered in this transaction) and return the decrypted codes. */
  sell?: boolean;
  /**
   * Too few codes → the statement fails with `kameng_fail('out_of_stock', <codes found>)` instead of
   * returning out_of_stock, so the statements the caller issued behind it (without waiting) do not run.
   */
  failIfShort?: boolean;
}

/** `kameng_fail` reason of a claim that ran short (see ClaimOptions.failIfShort); the detail is how many it found. */
export const CLAIM_SHORT = "out_of_stock";

export async function claim(
  deps: InventoryDeps,
  _ctx: CoreContext,
  input: { productId: string; orderId: string; quantity: number },
  opts?: ClaimOptions,
): Promise<ClaimResult> {
  assertUuid(input.productId, "productId");
  assertUuid(input.orderId, "orderId");
  const { quantity } = input;
  if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_CLAIM_QUANTITY) {
    throw invalidData("invalid_quantity", `quantity must be an integer in [1, ${MAX_CLAIM_QUANTITY}]`);
  }
  const client: DbOrTx = opts?.tx ?? deps.db;
  const now = deps.clock.now();

  if (!opts?.freshOrder) {
    const held = await client.$queryRaw<{ id: bigint; product_id: string }[]>`
      SELECT id, product_id FROM codes WHERE order_id = ${input.orderId}::uuid AND status IN ('RESERVED', 'SOLD')
      ORDER BY id`;
    if (held.length > 0) {
      if (held.length === quantity && held.every((c) => c.product_id === input.productId)) {
        return { ok: true, codeIds: held.map((c) => c.id), replayed: true };
      }
      throw conflict("order_already_claimed", "this order already holds other codes", { orderId: input.orderId });
    }
  }

  const status = opts?.sell ? "SOLD" : "RESERVED";
  const soldAt = opts?.sell ? now : null;
  const [row] = await client.$queryRaw<{ picked: number; ids: bigint[]; enc: Array<string | null> | null }[]>`
    WITH picked AS (
      SELECT id FROM codes
      WHERE product_id = ${input.productId}::uuid AND ${sellableAt(now)}
      ORDER BY ${SELLABLE_ORDER}
      LIMIT ${quantity}::int
      FOR UPDATE SKIP LOCKED
    ), enough AS (
      SELECT count(*)::int AS n FROM picked
    ), taken AS (
      UPDATE codes c SET status = ${status}, order_id = ${input.orderId}::uuid, reserved_at = ${now},
        sold_at = ${soldAt}::timestamptz
      FROM enough
      WHERE enough.n = ${quantity}::int AND c.id IN (SELECT id FROM picked)
      RETURNING c.id, c.code_enc, c.password_enc
    ), linked AS (
      INSERT INTO order_codes (order_id, code_id, position)
      SELECT ${input.orderId}::uuid, id, (row_number() OVER (ORDER BY id))::int FROM taken
      RETURNING code_id
    )
    SELECT CASE WHEN ${opts?.failIfShort ?? false}::boolean AND (SELECT n FROM enough) < ${quantity}::int
             THEN kameng_fail(${CLAIM_SHORT}, (SELECT n FROM enough)::text) END AS short,
           (SELECT n FROM enough) AS picked,
           COALESCE((SELECT array_agg(code_id ORDER BY code_id) FROM linked), '{}') AS ids,
           CASE WHEN ${opts?.sell ?? false}::boolean
             THEN (SELECT array_agg(x ORDER BY id, k) FROM taken,
                   LATERAL (VALUES (0, code_enc), (1, password_enc)) AS v(k, x))
           END AS enc`;
  const picked = row?.picked ?? 0;
  const ids = row?.ids ?? [];
  if (picked < quantity || ids.length !== quantity) return { ok: false, code: "out_of_stock", available: picked };
  if (!opts?.sell) return { ok: true, codeIds: ids, replayed: false };
  // [code, password, code, password, …] in code-id order, which is the order's position order.
  const enc = row!.enc ?? [];
  const codes = ids.map((_, i) => {
    const code = deps.secrets.decrypt(enc[2 * i]!);
    const password = enc[2 * i + 1];
    return password == null ? { code } : { code, password: deps.secrets.decrypt(password) };
  });
  return { ok: true, codeIds: ids, replayed: false, codes };
}

/** Cancel/expiry: the order's RESERVED codes go back to stock (SOLD ones stay sold). */
export async function release(
  deps: InventoryDeps,
  _ctx: CoreContext,
  input: { orderId: string },
  opts?: TxOptions,
): Promise<{ released: number }> {
  assertUuid(input.orderId, "orderId");
  const client: DbOrTx = opts?.tx ?? deps.db;
  const [row] = await client.$queryRaw<{ n: number }[]>`
    WITH freed AS (
      UPDATE codes SET status = 'AVAILABLE', order_id = NULL, reserved_at = NULL
      WHERE order_id = ${input.orderId}::uuid AND status = 'RESERVED'
      RETURNING id
    ), unlinked AS (
      DELETE FROM order_codes WHERE order_id = ${input.orderId}::uuid AND code_id IN (SELECT id FROM freed)
    )
    SELECT count(*)::int AS n FROM freed`;
  return { released: row?.n ?? 0 };
}

/** Delivery: the order's RESERVED codes become SOLD. Idempotent (a second call sells nothing more). */
export async function markSold(
  deps: InventoryDeps,
  _ctx: CoreContext,
  input: { orderId: string },
  opts?: TxOptions,
): Promise<{ sold: number }> {
  assertUuid(input.orderId, "orderId");
  const client: DbOrTx = opts?.tx ?? deps.db;
  const sold = await client.$executeRaw`
    UPDATE codes SET status = 'SOLD', sold_at = ${deps.clock.now()}
    WHERE order_id = ${input.orderId}::uuid AND status = 'RESERVED'`;
  return { sold };
}
