import { conflict, invalidData, type CoreContext, type SqlExecutor, type SqlTxOptions } from "../shared/index.ts";
import type { ClaimResult, InventoryDeps } from "./inventory.types.ts";
import { assertUuid, burnSoldSql, claimSql, heldCodesSql, markSoldSql, releaseSql } from "./sql.ts";

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
export interface ClaimOptions extends SqlTxOptions {
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
  const client: SqlExecutor = opts?.tx ?? deps.sql;
  const now = deps.clock.now();

  if (!opts?.freshOrder) {
    const held = await client.query<{ id: bigint; product_id: string }>(heldCodesSql(input.orderId));
    if (held.length > 0) {
      if (held.length === quantity && held.every((c) => c.product_id === input.productId)) {
        return { ok: true, codeIds: held.map((c) => c.id), replayed: true };
      }
      throw conflict("order_already_claimed", "this order already holds other codes", { orderId: input.orderId });
    }
  }

  const [row] = await client.query<{ picked: number; ids: bigint[]; enc: Array<string | null> | null }>(
    claimSql({
      ...input,
      now,
      sell: opts?.sell ?? false,
      failIfShort: opts?.failIfShort ?? false,
      shortReason: CLAIM_SHORT,
    }),
  );
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
  opts?: SqlTxOptions,
): Promise<{ released: number }> {
  assertUuid(input.orderId, "orderId");
  const [row] = await (opts?.tx ?? deps.sql).query<{ n: number }>(releaseSql(input.orderId));
  return { released: row?.n ?? 0 };
}

/** Delivery: the order's RESERVED codes become SOLD. Idempotent (a second call sells nothing more). */
export async function markSold(
  deps: InventoryDeps,
  _ctx: CoreContext,
  input: { orderId: string },
  opts?: SqlTxOptions,
): Promise<{ sold: number }> {
  assertUuid(input.orderId, "orderId");
  const sold = await (opts?.tx ?? deps.sql).execute(markSoldSql(input.orderId, deps.clock.now()));
  return { sold };
}

/**
 * A delivered order refunded: its SOLD codes become BURNED — the buyer has seen them, so they are never
 * sold again nor counted as available. Idempotent (a second call burns nothing more).
 */
export async function burnSold(
  deps: InventoryDeps,
  _ctx: CoreContext,
  input: { orderId: string },
  opts?: SqlTxOptions,
): Promise<{ burned: number }> {
  assertUuid(input.orderId, "orderId");
  const burned = await (opts?.tx ?? deps.sql).execute(burnSoldSql(input.orderId));
  return { burned };
}
