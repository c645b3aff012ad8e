import type { CoreContext, SqlTxOptions } from "../shared/index.ts";
import type { InventoryDeps } from "./inventory.types.ts";
import { assertUuid, orderCodesForStaffSql } from "./sql.ts";

export interface MaskedCode {
  /** `ABCD…WXYZ`: a quarter of the code at each end (at most 4 characters), never the whole code. */
  masked: string;
  /** The first 12 hex characters of the code's keyed hash (what the code is found by, never the code). */
  hashPrefix: string;
  status: string;
}

/** `ABCD…WXYZ` for a 16-character code, `AB…YZ` for an 8-character one; very short codes show nothing. */
export function maskCode(code: string): string {
  const chars = [...code];
  const keep = Math.min(4, Math.floor(chars.length / 4));
  if (keep === 0) return "…";
  return `${chars.slice(0, keep).join("")}…${chars.slice(-keep).join("")}`;
}

/** An order's codes as staff may see them: masked, with a hash prefix and their status. */
export async function maskedCodes(
  deps: InventoryDeps,
  _ctx: CoreContext,
  input: { orderId: string },
  opts?: SqlTxOptions,
): Promise<MaskedCode[]> {
  assertUuid(input.orderId, "orderId");
  const rows = await (opts?.tx ?? deps.sql).query<{ code_enc: string; code_hash: string; status: string }>(
    orderCodesForStaffSql(input.orderId),
  );
  return rows.map((r) => ({
    masked: maskCode(deps.secrets.decrypt(r.code_enc)),
    hashPrefix: r.code_hash.slice(0, 12),
    status: r.status,
  }));
}
