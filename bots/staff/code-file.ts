/** What an uploaded code file turned out to be. */
export type DecodedCodeFile =
  { ok: true; text: string } | { ok: false; reason: "not_text" | "gbk" | "not_utf8" | "empty" };

/** Declared types that are never a code list (the content is checked too: a NUL byte is not text). */
const NOT_TEXT = /^(image|audio|video|font)\/|^application\/(pdf|zip|gzip|x-|vnd\.|msword|octet-stream-binary)/i;

/**
 * The text of an uploaded code file: UTF-8 (a BOM is fine). Refused: a declared binary type or a NUL
 * byte (a spreadsheet, an image…), text in GBK/GB18030 (what Chinese Windows saves by default — named, so
 * the operator knows to re-save it as UTF-8), any other invalid UTF-8, an empty file.
 */
export function decodeCodeFile(bytes: Uint8Array, mimeType: string): DecodedCodeFile {
  if (NOT_TEXT.test(mimeType) || bytes.includes(0)) return { ok: false, reason: "not_text" };
  if (bytes.length === 0) return { ok: false, reason: "empty" };
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    try {
      const gbk = new TextDecoder("gb18030", { fatal: true }).decode(bytes);
      // Decodes as GB18030 and holds Chinese characters: almost surely a GBK-saved file.
      if (/[\u4e00-\u9fff]/.test(gbk)) return { ok: false, reason: "gbk" };
    } catch {
      // neither
    }
    return { ok: false, reason: "not_utf8" };
  }
}
