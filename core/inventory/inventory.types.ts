import type { Clock, CoreContext, Db, SecretBox, SqlRunner } from "../shared/index.ts";
import type { LineRejection } from "./code-lines.ts";

/** What the inventory needs from the catalog (structurally; the composition root passes the catalog). */
export interface InventoryCatalog {
  getProduct(ctx: CoreContext, productId: string): Promise<{ deliveryKind: string } | null>;
}

export interface InventoryDeps {
  /** Import bookkeeping and the stock report (code_batches through Prisma's models). */
  prisma: Db;
  /** Claims, releases, sales, reveals, counts, restock alerts: the order paths. */
  sql: SqlRunner;
  clock: Clock;
  secrets: SecretBox;
  /** Imports take codes for CODE products only. */
  catalog: InventoryCatalog;
  /** How long a claim that ran short is remembered for refusing at once (StockHints). Default 2 s. */
  stockHintMs?: number;
}

/** BURNED: sold, then its order refunded (the buyer saw it): never sold again. */
export type CodeStatus = "AVAILABLE" | "RESERVED" | "SOLD" | "EXPIRED" | "BURNED";

export interface ImportProgress {
  lines: number;
  imported: number;
  duplicate: number;
  rejected: number;
}

export interface ImportCodesInput {
  productId: string;
  /** Who/what delivered the file, e.g. `slack:U123 codes.csv`; stored on the batch. */
  source: string;
  content: string | AsyncIterable<string | Uint8Array>;
  onProgress?: (p: ImportProgress) => void;
}

export interface ImportResult {
  /** null when nothing was imported: no batch is kept for a file of duplicates and rejected lines. */
  batchId: string | null;
  imported: number;
  duplicate: number;
  rejected: number;
  /** The first MAX_IMPORT_ERRORS rejected lines; `rejected` is the exact count. */
  errors: { line: number; reason: LineRejection }[];
  /** The first MAX_IMPORT_ERRORS duplicate lines: of an earlier line of the file, or of a code already stored. */
  duplicates: { line: number; of: "file" | "stock" }[];
}

export type ClaimResult =
  | {
      ok: true;
      codeIds: bigint[];
      replayed: boolean;
      /** With `sell`: the codes, decrypted, in the order's position order. */
      codes?: Array<{ code: string; password?: string }>;
    }
  | { ok: false; code: "out_of_stock"; available: number };

export interface SupplierCode {
  code: string;
  password?: string | null;
}

export interface RevealedCode {
  code: string;
  password?: string;
}

export interface StockCounts {
  available: number;
  reserved: number;
  sold: number;
  /** Never sold and past their expiry (still AVAILABLE or already marked EXPIRED). */
  expired: number;
  /** Taken off sale with their batch by staff (`voidBatch`): never sold. */
  voided: number;
}

export interface ProductStock extends StockCounts {
  productId: string;
}

export interface BatchStock extends StockCounts {
  batchId: string;
  productId: string;
  source: string;
  createdAt: Date;
  imported: number;
  duplicate: number;
  rejected: number;
}

export interface StockReport {
  products: ProductStock[];
  batches: BatchStock[];
}
