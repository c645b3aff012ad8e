import { withAccess } from "../shared/index.ts";
import { inventoryAccess } from "./inventory.access.ts";
import { createInventory as createUncheckedInventory, type Inventory } from "./inventory.service.ts";
import type { InventoryDeps } from "./inventory.types.ts";

export type { Inventory };
/** Card-code stock, every call checked against its actor (inventory.access.ts). */
export const createInventory = (deps: InventoryDeps): Inventory =>
  withAccess("inventory", createUncheckedInventory(deps), inventoryAccess);
export { IMPORT_CHUNK_ROWS, IMPORT_PROGRESS_LINES, MAX_IMPORT_ERRORS, STOCK_RESTOCKED } from "./code-import.ts";
export { CLAIM_SHORT, MAX_CLAIM_QUANTITY, type ClaimOptions } from "./code-claim.ts";
export { MAX_FIELD_LENGTH, parseExpiry, type LineRejection } from "./code-lines.ts";
export { maskCode, type MaskedCode } from "./masked-codes.ts";
export type {
  BatchStock,
  ClaimResult,
  CodeStatus,
  ImportCodesInput,
  ImportProgress,
  ImportResult,
  InventoryCatalog,
  InventoryDeps,
  ProductStock,
  RevealedCode,
  StockCounts,
  StockReport,
  SupplierCode,
} from "./inventory.types.ts";
