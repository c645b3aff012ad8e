import type { Catalog } from "../../core/catalog/index.ts";
import type { Orders } from "../../core/flows/index.ts";
import type { ImportResult, Inventory } from "../../core/inventory/index.ts";
import { authorize } from "../../core/shared/index.ts";
import { bold, plain, FileTooLargeError, type FileInput, type ProgressMessage, type Reply } from "../turn.ts";
import { decodeCodeFile } from "./code-file.ts";
import { importMessages } from "./import-messages.ts";
import type { CommandKit } from "./order-commands.ts";

/** What importing an uploaded code file calls (part of the staff bot's deps). */
export interface ImportCommandDeps {
  inventory: Pick<Inventory, "importCodes">;
  orders: Pick<Orders, "fillBackorders">;
  catalog: Pick<Catalog, "getProductBySku">;
  /** The largest code file taken (default 20 MB, Telegram's own cap for bots). */
  maxImportBytes?: number;
}

export const DEFAULT_MAX_IMPORT_BYTES = 20 * 1024 * 1024;
/** Lines named in the result (duplicates and rejections, by line number). */
const LINES_SHOWN = 20;

/**
 * `import <sku>` as the caption of an uploaded file: checks the file (text, size, UTF-8 — a GBK file is
 * named as such), streams it into the inventory's import (encryption and dedupe there) while a progress
 * message is edited in place, fills the product's waiting orders (补单) from the new codes, and answers
 * imported / duplicate / rejected with line numbers. Nothing is imported from a refused file.
 */
export async function importCommand(
  deps: ImportCommandDeps,
  k: CommandKit,
  args: string[],
  upload: { file?: FileInput; progress?: ProgressMessage; source: string },
): Promise<Reply[]> {
  const im = importMessages(k.locale);
  const say = (s: string): Reply[] => [{ kind: "text", body: [plain(s)] }];
  const { file } = upload;
  if (!file || args.length !== 1) return k.usage(im.usage);
  // Before the download: the core would refuse the import anyway.
  authorize(k.ctx, "codes.import");
  const sku = args[0]!;
  const product = await deps.catalog.getProductBySku(k.ctx, sku);
  const refuse = async (code: string, reply: string) => {
    await k.audited("refused", { code, sku, file: file.name.slice(0, 100), size: file.size });
    return say(reply);
  };
  if (!product) return refuse("product_not_found", im.productNotFound(sku));
  if (product.deliveryKind !== "CODE") return refuse("not_a_code_product", im.notCodeProduct(product.sku));

  const max = deps.maxImportBytes ?? DEFAULT_MAX_IMPORT_BYTES;
  const name = file.name || "file";
  const mb = Math.floor(max / (1024 * 1024));
  if (file.size > max) return refuse("file_too_large", im.tooLarge(name, mb));
  let bytes: Uint8Array;
  try {
    bytes = await file.read(max);
  } catch (e) {
    if (e instanceof FileTooLargeError) return refuse("file_too_large", im.tooLarge(name, mb));
    throw e;
  }
  const decoded = decodeCodeFile(bytes, file.mimeType);
  if (!decoded.ok) {
    const why = { not_text: im.notText, gbk: im.gbk, not_utf8: im.notUtf8, empty: im.empty }[decoded.reason];
    return refuse(`file_${decoded.reason}`, why(name));
  }

  const progress = upload.progress;
  await progress?.update(im.progress(name, { lines: 0, imported: 0, duplicate: 0, rejected: 0 }));
  const result = await deps.inventory.importCodes(k.ctx, {
    productId: product.id,
    source: `${upload.source} ${name}`.slice(0, 200),
    content: decoded.text,
    onProgress: (p) => void progress?.update(im.progress(name, p)),
  });
  const { filled } =
    result.imported > 0 ? await deps.orders.fillBackorders(k.ctx, { productId: product.id }) : { filled: [] };
  const summary = im.done(product.sku, result);
  await progress?.update(summary, { done: true });
  await k.audited(
    "ok",
    {
      file: name.slice(0, 100),
      bytes: bytes.length,
      imported: result.imported,
      duplicate: result.duplicate,
      rejected: result.rejected,
      batchId: result.batchId,
      backordersFilled: filled.length,
    },
    { type: "product", id: product.id },
  );
  const lines = namedLines(result, im);
  return [
    {
      kind: "text",
      body: [
        bold(summary),
        ...(filled.length ? [plain(`\n${im.filled(filled.length)}`)] : []),
        ...(lines.length ? [plain("\n"), { text: lines.join("\n"), style: "pre" as const }] : []),
      ],
    },
  ];
}

/** The duplicate and rejected lines, by line number (the first LINES_SHOWN, then how many more). */
function namedLines(r: ImportResult, im: ReturnType<typeof importMessages>): string[] {
  const named = [
    ...r.duplicates.map((d) => ({ line: d.line, why: d.of === "file" ? im.duplicateOfFile : im.duplicateOfStock })),
    ...r.errors.map((e) => ({ line: e.line, why: im.rejected(e.reason) })),
  ].sort((a, b) => a.line - b.line);
  const shown = named.slice(0, LINES_SHOWN).map((l) => im.line(l.line, l.why));
  const more = r.duplicate + r.rejected - shown.length;
  return more > 0 ? [...shown, im.more(more)] : shown;
}
