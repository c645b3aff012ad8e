import {
  inTx,
  invalidData,
  newId,
  notFound,
  prismaExecutor,
  type CoreContext,
  type DbOrTx,
  type TxOptions,
} from "../shared/index.ts";
import { recordEvents } from "../events/index.ts";
import { parseCodeLine, readLines } from "./code-lines.ts";
import type { ImportCodesInput, ImportResult, InventoryDeps } from "./inventory.types.ts";
import { assertUuid, countAvailable, insertCodesChunkSql } from "./sql.ts";

export const IMPORT_CHUNK_ROWS = 500;
export const MAX_IMPORT_ERRORS = 100;
const PROGRESS_LINES = 5000;
export const STOCK_RESTOCKED = "stock.restocked";

interface Row {
  line: number;
  hash: string;
  codeEnc: string;
  passwordEnc: string | null;
  expiresAt: Date | null;
}

/**
 * Streams a code file into a new batch. Each chunk of rows is one INSERT … ON CONFLICT DO NOTHING that
 * also bumps the batch's counters, so without a caller transaction every committed chunk leaves the
 * batch consistent, and a re-run after a crash only adds what is missing (the code hash is unique
 * across all codes). With `opts.tx` (Prisma's: the import is batch bookkeeping, docs/data-access.md) the
 * whole import is the caller's transaction. While one chunk is being written, the next is parsed and
 * encrypted. The product's delivery kind comes from the catalog (`deps.catalog`).
 */
export async function importCodes(
  deps: InventoryDeps,
  ctx: CoreContext,
  input: ImportCodesInput,
  opts?: TxOptions,
): Promise<ImportResult> {
  const { prisma, clock, secrets } = deps;
  const client: DbOrTx = opts?.tx ?? prisma;
  assertUuid(input.productId, "productId");
  const source = input.source.trim();
  if (source === "" || source.length > 200) throw invalidData("invalid_source", "source must be 1–200 characters");
  const product = await deps.catalog.getProduct(ctx, input.productId);
  if (!product) throw notFound("product_not_found", "no such product", { productId: input.productId });
  if (product.deliveryKind !== "CODE") {
    throw invalidData("not_a_code_product", "codes can only be imported for CODE products", {
      productId: input.productId,
    });
  }

  const now = clock.now();
  const batchId = newId();
  await client.codeBatch.create({ data: { id: batchId, productId: input.productId, source, createdAt: now } });

  const result: ImportResult = { batchId, imported: 0, duplicate: 0, rejected: 0, errors: [], duplicates: [] };
  const noteDuplicate = (line: number, of: "file" | "stock") => {
    if (result.duplicates.length < MAX_IMPORT_ERRORS) result.duplicates.push({ line, of });
  };
  let lines = 0;
  let chunk: Row[] = [];
  let chunkHashes = new Map<string, number>();
  let chunkDuplicates = 0;
  let chunkRejected = 0;
  let inflight: Promise<void> = Promise.resolve();

  const report = () =>
    input.onProgress?.({ lines, imported: result.imported, duplicate: result.duplicate, rejected: result.rejected });

  const flush = async () => {
    const rows = chunk;
    const duplicates = chunkDuplicates;
    const rejected = chunkRejected;
    chunk = [];
    chunkHashes = new Map();
    chunkDuplicates = 0;
    chunkRejected = 0;
    // At most one INSERT in flight: wait for the previous before sending this one.
    await inflight;
    inflight = (async () => {
      const { inserted, skipped } = await insertChunk(
        client,
        input.productId,
        batchId,
        now,
        rows,
        duplicates,
        rejected,
      );
      result.imported += inserted;
      if (skipped.size) for (const r of rows) if (skipped.has(r.hash)) noteDuplicate(r.line, "stock");
      result.duplicate += rows.length - inserted + duplicates;
      report();
    })();
    inflight.catch(() => {});
  };

  for await (const line of readLines(input.content)) {
    lines = line.no;
    if (!line.overlong && line.text.trim() === "") continue; // blank lines separate nothing and count as nothing
    const parsed = parseCodeLine(line, now, line.no === 1);
    if (parsed.ok === "header") continue;
    if (!parsed.ok) {
      result.rejected++;
      chunkRejected++;
      if (result.errors.length < MAX_IMPORT_ERRORS) result.errors.push({ line: line.no, reason: parsed.reason });
    } else {
      const hash = secrets.keyedHash(parsed.code, "code");
      if (chunkHashes.has(hash)) {
        chunkDuplicates++;
        noteDuplicate(line.no, "file");
      } else {
        chunkHashes.set(hash, line.no);
        chunk.push({
          line: line.no,
          hash,
          codeEnc: secrets.encrypt(parsed.code),
          passwordEnc: parsed.password === null ? null : secrets.encrypt(parsed.password),
          expiresAt: parsed.expiresAt,
        });
      }
    }
    // Files of mostly rejected or duplicate lines still report progress every PROGRESS_LINES.
    if (chunk.length >= IMPORT_CHUNK_ROWS || line.no % PROGRESS_LINES === 0) await flush();
  }
  await flush();
  await inflight;
  result.duplicates.sort((a, b) => a.line - b.line);
  if (result.imported === 0) {
    // Nothing new: no empty batch is left behind (no code refers to it).
    await client.codeBatch.delete({ where: { id: batchId } });
    return { ...result, batchId: null };
  }

  await inTx(prisma, opts, async (tx) => {
    const available = await countAvailable(prismaExecutor(tx), input.productId, now);
    await recordEvents(prismaExecutor(tx), [
      { type: STOCK_RESTOCKED, payload: { productId: input.productId, available, batchId } },
    ]);
  });
  return result;
}

async function insertChunk(
  client: DbOrTx,
  productId: string,
  batchId: string,
  now: Date,
  rows: Row[],
  duplicates: number,
  rejected: number,
): Promise<{ inserted: number; skipped: Set<string> }> {
  if (rows.length === 0 && duplicates === 0 && rejected === 0) return { inserted: 0, skipped: new Set() };
  const [res] = await prismaExecutor(client).query<{ inserted: number; skipped: string[] }>(
    insertCodesChunkSql({
      productId,
      batchId,
      now,
      hashes: rows.map((r) => r.hash),
      codes: rows.map((r) => r.codeEnc),
      passwords: rows.map((r) => r.passwordEnc),
      expiries: rows.map((r) => r.expiresAt),
      duplicates,
      rejected,
    }),
  );
  return { inserted: res?.inserted ?? 0, skipped: new Set(res?.skipped ?? []) };
}
