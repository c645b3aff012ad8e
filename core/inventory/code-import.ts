import {
  inTx,
  invalidData,
  newId,
  notFound,
  prismaExecutor,
  type CoreContext,
  type DbOrTx,
  type SqlExecutor,
  type TxOptions,
} from "../shared/index.ts";
import { recordEvents } from "../events/index.ts";
import { parseCodeLine, readLineGroups } from "./code-lines.ts";
import type { ImportCodesInput, ImportResult, InventoryDeps } from "./inventory.types.ts";
import { assertUuid, countAvailable, insertCodesChunkSql, skippedCodesSql } from "./sql.ts";

/** Rows per INSERT: large enough that a statement's fixed cost (~0.7 ms through Prisma) is noise. */
export const IMPORT_CHUNK_ROWS = 2000;
export const MAX_IMPORT_ERRORS = 100;
/** `onProgress` every this many lines read (and once at the end): the channels edit at most ~1/s anyway. */
export const IMPORT_PROGRESS_LINES = 5000;
/**
 * Codes remembered for catching a file's repeats before they are sent (~110 bytes each): past this, the
 * memory is cleared at the next chunk and a repeat of a line from before reaches the database, which
 * skips it all the same (and `skippedCodesSql` names it as a repeat).
 */
const MAX_REMEMBERED_CODES = 1_000_000;
/** Lines parsed and encrypted between two turns of the event loop (see `importCodes`). */
const YIELD_LINES = 250;
export const STOCK_RESTOCKED = "stock.restocked";

/** The rows of one INSERT, column by column (as the statement takes them), and their line numbers. */
class Chunk {
  readonly lines: number[] = [];
  readonly hashes: string[] = [];
  readonly codes: string[] = [];
  readonly passwords: Array<string | null> = [];
  readonly expiries: Array<Date | null> = [];
  /** Lines left out as repeats of an earlier line of the file, and rejected lines, since the last chunk. */
  duplicates = 0;
  rejected = 0;
  get size() {
    return this.hashes.length;
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Streams a code file into a new batch. Each chunk of rows is one INSERT … ON CONFLICT DO NOTHING that
 * also bumps the batch's counters, so without a caller transaction every committed chunk leaves the
 * batch consistent, and a re-run after a crash only adds what is missing (the code hash is unique
 * across all codes). With `opts.tx` (Prisma's: the import is batch bookkeeping, docs/data-access.md) the
 * whole import is the caller's transaction; without it the chunks go through the SqlRunner (a prepared
 * statement; Prisma's raw queries took ~3× the client CPU for these 2,000-row statements). The product's
 * delivery kind comes from the catalog (`deps.catalog`).
 *
 * A pipeline: while one chunk is in the database, the next is parsed, hashed and encrypted. Parsing is
 * synchronous work, so the loop gives the event loop a turn every YIELD_LINES lines — that is when the
 * statement just issued is written to the socket and the answer to the one before is read; without it
 * both waited until the next chunk was ready and the database and this process took turns instead.
 * A file's repeated codes are caught here (the file's hashes are remembered, up to MAX_REMEMBERED_CODES)
 * and never sent; codes already stored are skipped by the INSERT and named by line.
 */
export async function importCodes(
  deps: InventoryDeps,
  ctx: CoreContext,
  input: ImportCodesInput,
  opts?: TxOptions,
): Promise<ImportResult> {
  const { prisma, clock, secrets } = deps;
  const client: DbOrTx = opts?.tx ?? prisma;
  const chunks: SqlExecutor = opts?.tx ? prismaExecutor(opts.tx) : deps.sql;
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
  const seen = new Set<string>();
  let lines = 0;
  let chunk = new Chunk();
  let inflight: Promise<void> | null = null;
  let nextProgress = IMPORT_PROGRESS_LINES;
  let nextYield = YIELD_LINES;

  const report = () =>
    input.onProgress?.({ lines, imported: result.imported, duplicate: result.duplicate, rejected: result.rejected });

  const write = async (rows: Chunk) => {
    const { inserted, firstId } = await insertChunk(chunks, input.productId, batchId, now, rows);
    result.imported += inserted;
    result.duplicate += rows.size - inserted + rows.duplicates;
    if (inserted < rows.size && result.duplicates.length < MAX_IMPORT_ERRORS) {
      const skipped = await chunks.query<{ n: number; inFile: boolean }>(
        skippedCodesSql(batchId, rows.hashes, firstId),
      );
      for (const { n, inFile } of skipped) noteDuplicate(rows.lines[n - 1]!, inFile ? "file" : "stock");
    }
  };
  const flush = async () => {
    const rows = chunk;
    chunk = new Chunk();
    // Cleared between chunks only: a chunk never holds one code twice (skippedCodesSql counts on it).
    if (seen.size >= MAX_REMEMBERED_CODES) seen.clear();
    if (rows.size === 0 && rows.duplicates === 0 && rows.rejected === 0) return;
    // At most one INSERT in flight: wait for the previous (its failure surfaces here) before this one.
    if (inflight) await inflight;
    const sent = write(rows);
    sent.catch(() => {}); // awaited at the next flush or at the end
    inflight = sent;
  };

  for await (const group of readLineGroups(input.content)) {
    for (const line of group) {
      lines = line.no;
      if (line.no >= nextYield) {
        nextYield = line.no + YIELD_LINES;
        await nextTurn();
      }
      if (line.no >= nextProgress) {
        nextProgress = line.no + IMPORT_PROGRESS_LINES;
        report();
      }
      if (!line.overlong && line.text.trim() === "") continue; // blank lines separate nothing and count as nothing
      const parsed = parseCodeLine(line, now, line.no === 1);
      if (parsed.ok === "header") continue;
      if (!parsed.ok) {
        result.rejected++;
        chunk.rejected++;
        if (result.errors.length < MAX_IMPORT_ERRORS) result.errors.push({ line: line.no, reason: parsed.reason });
        continue;
      }
      const hash = secrets.keyedHash(parsed.code, "code");
      if (seen.has(hash)) {
        chunk.duplicates++;
        noteDuplicate(line.no, "file");
        continue;
      }
      seen.add(hash);
      chunk.lines.push(line.no);
      chunk.hashes.push(hash);
      chunk.codes.push(secrets.encrypt(parsed.code));
      chunk.passwords.push(parsed.password === null ? null : secrets.encrypt(parsed.password));
      chunk.expiries.push(parsed.expiresAt);
      if (chunk.size >= IMPORT_CHUNK_ROWS) await flush();
    }
  }
  await flush();
  if (inflight) await inflight;
  report();
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
  exec: SqlExecutor,
  productId: string,
  batchId: string,
  now: Date,
  rows: Chunk,
): Promise<{ inserted: number; firstId: bigint | null }> {
  const [res] = await exec.query<{ inserted: number; first_id: bigint | null }>(
    insertCodesChunkSql({
      productId,
      batchId,
      now,
      hashes: rows.hashes,
      codes: rows.codes,
      passwords: rows.passwords,
      expiries: rows.expiries,
      duplicates: rows.duplicates,
      rejected: rows.rejected,
    }),
  );
  return { inserted: res?.inserted ?? 0, firstId: res?.first_id ?? null };
}
