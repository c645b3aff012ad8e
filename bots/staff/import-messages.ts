import type { Locale } from "../../core/shared/index.ts";

/** The staff console's words for importing codes by uploading a file, in both languages. */
const en = {
  usage: "import <sku> — as the caption of a text file of codes (one `code` or `code,password[,expiry]` per line)",
  productNotFound: (sku: string) => `No product with SKU “${sku}”.`,
  notCodeProduct: (sku: string) => `${sku} is not a card-code product: it is fulfilled by suppliers.`,
  notText: (name: string) => `“${name}” is not a text file. Send the codes as a .txt or .csv file (UTF-8).`,
  tooLarge: (name: string, mb: number) =>
    `“${name}” is too large: at most ${mb} MB per file. Split it and send the parts.`,
  gbk: (name: string) =>
    `“${name}” looks like GBK/GB18030 (a Chinese Windows encoding), not UTF-8. Save it as UTF-8 (e.g. in Notepad: Save as → Encoding: UTF-8) and send it again. Nothing was imported.`,
  notUtf8: (name: string) =>
    `“${name}” is not valid UTF-8 text. Save it as UTF-8 and send it again. Nothing was imported.`,
  empty: (name: string) => `“${name}” is empty.`,
  progress: (name: string, p: { lines: number; imported: number; duplicate: number; rejected: number }) =>
    `⏳ Importing ${name}: ${p.lines} lines read — ${p.imported} new, ${p.duplicate} duplicate, ${p.rejected} rejected`,
  done: (sku: string, r: { imported: number; duplicate: number; rejected: number }) =>
    `✅ ${sku}: ${r.imported} imported, ${r.duplicate} duplicate, ${r.rejected} rejected.`,
  filled: (n: number) => `${n} waiting order(s) (补单) filled from the new codes.`,
  duplicateOfFile: "duplicate of an earlier line",
  duplicateOfStock: "duplicate: already imported",
  rejected: (reason: string) => `rejected: ${reason.replaceAll("_", " ")}`,
  line: (n: number, why: string) => `line ${n}: ${why}`,
  more: (n: number) => `… and ${n} more`,
};

type Messages = typeof en;

const zh: Messages = {
  usage: "import <sku> — 作为卡密文本文件的说明发送（每行一个 `卡号` 或 `卡号,密码[,有效期]`）",
  productNotFound: (sku) => `没有 SKU 为“${sku}”的商品。`,
  notCodeProduct: (sku) => `${sku} 不是卡密商品：由供应商直充。`,
  notText: (name) => `“${name}”不是文本文件。请用 .txt 或 .csv 文件（UTF-8）发送卡密。`,
  tooLarge: (name, mb) => `“${name}”太大：每个文件最多 ${mb} MB。请拆分后分别发送。`,
  gbk: (name) =>
    `“${name}”看起来是 GBK/GB18030 编码（中文 Windows 默认），不是 UTF-8。请另存为 UTF-8（如记事本：另存为 → 编码：UTF-8）后重新发送。未导入任何卡密。`,
  notUtf8: (name) => `“${name}”不是有效的 UTF-8 文本。请另存为 UTF-8 后重新发送。未导入任何卡密。`,
  empty: (name) => `“${name}”是空文件。`,
  progress: (name, p) =>
    `⏳ 正在导入 ${name}：已读 ${p.lines} 行 — 新增 ${p.imported}，重复 ${p.duplicate}，拒绝 ${p.rejected}`,
  done: (sku, r) => `✅ ${sku}：导入 ${r.imported}，重复 ${r.duplicate}，拒绝 ${r.rejected}。`,
  filled: (n) => `已用新卡密为 ${n} 个等待中的订单补单。`,
  duplicateOfFile: "与前面的行重复",
  duplicateOfStock: "重复：已导入过",
  rejected: (reason) => `拒绝：${reason.replaceAll("_", " ")}`,
  line: (n, why) => `第 ${n} 行：${why}`,
  more: (n) => `……另有 ${n} 行`,
};

export const importMessages = (locale: Locale): Messages => (locale === "en" ? en : zh);
