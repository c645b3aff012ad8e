export { createInventory, type Inventory } from "./inventory.service.ts";
export { IMPORT_CHUNK_ROWS, MAX_IMPORT_ERRORS, STOCK_RESTOCKED } from "./code-import.ts";
export { CLAIM_SHORT, MAX_CLAIM_QUANTITY, type ClaimOptions } from "./code-claim.ts";
export { MAX_FIELD_LENGTH, parseExpiry, type LineRejection } from "./code-lines.ts";
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
