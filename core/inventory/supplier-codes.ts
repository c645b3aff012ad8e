import { conflict, inSqlTx, invalidData, newId, type CoreContext, type SqlTxOptions } from "../shared/index.ts";
import { MAX_FIELD_LENGTH } from "./code-lines.ts";
import type { InventoryDeps, RevealedCode, SupplierCode } from "./inventory.types.ts";
import { assertUuid, codesByHashSql, insertSupplierBatchSql, insertSupplierCodesSql, soldCodesSql } from "./sql.ts";

const MAX_SUPPLIER_CODES = 1000;

/**
 * Stores codes a supplier returned for an order (on-demand or DIRECT products) as SOLD rows of a new
 * batch `supplier:<id>`, linked to the order after any codes it already has. Applying the same
 * supplier answer twice adds nothing; a code already held by another order is a conflict (the
 * supplier sold one code twice), reported without the code.
 */
export async function addSupplierCodes(
  deps: InventoryDeps,
  _ctx: CoreContext,
  input: { productId: string; orderId: string; supplierId: string; codes: SupplierCode[] },
  opts?: SqlTxOptions,
): Promise<{ batchId: string | null; codeIds: bigint[]; replayed: boolean }> {
  const { secrets, clock } = deps;
  assertUuid(input.productId, "productId");
  assertUuid(input.orderId, "orderId");
  assertUuid(input.supplierId, "supplierId");
  if (input.codes.length === 0 || input.codes.length > MAX_SUPPLIER_CODES) {
    throw invalidData("invalid_supplier_codes", `between 1 and ${MAX_SUPPLIER_CODES} codes expected`);
  }
  const items = input.codes.map((c, index) => {
    const code = typeof c.code === "string" ? c.code.trim() : "";
    const password = typeof c.password === "string" && c.password.trim() !== "" ? c.password.trim() : null;
    if (code === "" || code.length > MAX_FIELD_LENGTH || (password?.length ?? 0) > MAX_FIELD_LENGTH) {
      throw invalidData("invalid_supplier_code", `supplier code #${index + 1} is empty or too long`);
    }
    return { index, code, password, hash: secrets.keyedHash(code, "code") };
  });

  return inSqlTx(deps.sql, opts, async (tx) => {
    const hashes = items.map((i) => i.hash);
    const existing = await tx.query<{ id: bigint; code_hash: string; order_id: string | null }>(codesByHashSql(hashes));
    const known = new Map(existing.map((e) => [e.code_hash, e]));
    for (const item of items) {
      const e = known.get(item.hash);
      if (e && e.order_id !== input.orderId) {
        throw conflict(
          "supplier_code_taken",
          `supplier code #${item.index + 1} already exists in stock or another order`,
          {
            orderId: input.orderId,
            supplierId: input.supplierId,
          },
        );
      }
    }
    const seen = new Set<string>();
    const fresh = items.filter((i) => !known.has(i.hash) && !seen.has(i.hash) && seen.add(i.hash));
    if (fresh.length === 0) {
      return { batchId: null, codeIds: existing.map((e) => e.id).sort(cmp), replayed: true };
    }

    const now = clock.now();
    const batchId = newId();
    tx.send(
      insertSupplierBatchSql({
        batchId,
        productId: input.productId,
        source: `supplier:${input.supplierId}`,
        imported: fresh.length,
        now,
      }),
    );
    const rows = await tx.query<{ id: bigint }>(
      insertSupplierCodesSql({
        productId: input.productId,
        batchId,
        orderId: input.orderId,
        hashes: fresh.map((f) => f.hash),
        codes: fresh.map((f) => secrets.encrypt(f.code)),
        passwords: fresh.map((f) => (f.password === null ? null : secrets.encrypt(f.password))),
        now,
      }),
    );
    return { batchId, codeIds: rows.map((r) => r.id).sort(cmp), replayed: false };
  });
}

/** The order's SOLD codes, decrypted, in delivery order. Callers enforce ownership and private delivery. */
export async function reveal(
  deps: InventoryDeps,
  _ctx: CoreContext,
  input: { orderId: string },
  opts?: SqlTxOptions,
): Promise<RevealedCode[]> {
  assertUuid(input.orderId, "orderId");
  const rows = await (opts?.tx ?? deps.sql).query<{ code_enc: string; password_enc: string | null }>(
    soldCodesSql(input.orderId),
  );
  return rows.map((r) =>
    r.password_enc === null
      ? { code: deps.secrets.decrypt(r.code_enc) }
      : { code: deps.secrets.decrypt(r.code_enc), password: deps.secrets.decrypt(r.password_enc) },
  );
}

const cmp = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
