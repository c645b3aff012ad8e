import type { Custody, CustodyReport } from "../../core/custody/index.ts";
import { formatMoney, type CoreContext, type Currency, type Locale } from "../../core/shared/index.ts";
import { FileTooLargeError, plain, type FileInput, type Reply } from "../turn.ts";

/** Largest statement read from a chat upload (the core refuses above its own 20 MB too). */
export const MAX_STATEMENT_UPLOAD = 10 * 1024 * 1024;

const en = {
  usage: "custody [CNY|USD] — the reconciliation; send the bank statement CSV with the caption “custody” to import it",
  tooLarge: (mb: number) => `The file is larger than ${mb} MB: import it with the CLI (custody import).`,
  replayed: "This statement was imported before: nothing changed.",
  imported: (lines: number, fresh: number, matched: number, enc: string) =>
    `Statement imported (${enc}): ${lines} lines, ${fresh} new, ${matched} matched.`,
  summary: (r: CustodyReport, m: (a: bigint) => string) =>
    [
      `Custody ${r.currency}: bank net ${m(r.bank.net)} (${r.bank.lines} lines), expected ${m(r.expected.net)}, difference ${m(r.difference)}`,
      `Unmatched bank lines: ${r.unmatchedLines.length}; payments/payouts with no bank line: ${r.missing.length}`,
      `Ledger: custody ${m(r.ledger.custody)} vs customer funds ${m(r.ledger.customerFunds)} — ${r.ledger.ok ? "OK" : "MISMATCH"}`,
    ].join("\n"),
};
const zh: typeof en = {
  usage: "custody [CNY|USD] —— 对账结果；发送银行流水 CSV 并附文字“custody”即可导入",
  tooLarge: (mb) => `文件超过 ${mb} MB，请用命令行导入（custody import）。`,
  replayed: "该流水已导入过，未做任何更改。",
  imported: (lines, fresh, matched, enc) =>
    `流水已导入（${enc}）：共 ${lines} 行，新增 ${fresh} 行，匹配 ${matched} 行。`,
  summary: (r, m) =>
    [
      `存管 ${r.currency}：银行净额 ${m(r.bank.net)}（${r.bank.lines} 行），应有 ${m(r.expected.net)}，差额 ${m(r.difference)}`,
      `未匹配的银行流水：${r.unmatchedLines.length} 行；无银行流水的收付款：${r.missing.length} 笔`,
      `账本：存管 ${m(r.ledger.custody)} 对客户资金 ${m(r.ledger.customerFunds)} —— ${r.ledger.ok ? "一致" : "不一致"}`,
    ].join("\n"),
};

export interface CustodyOutcome {
  replies: Reply[];
  audit: { outcome: "ok" | "refused"; details: Record<string, unknown> };
}

const say = (s: string): Reply[] => [{ kind: "text", body: [plain(s)] }];

/**
 * The staff bot's `custody` command: the reconciliation summary, or — with a statement CSV uploaded under
 * the caption `custody` — its import first. The core checks `custody.manage` and parses the file (a bad
 * line refuses it whole, nothing stored); the CLI's `custody report` lists the unmatched lines one by one.
 */
export async function custodyStatement(
  custody: Pick<Custody, "importStatement" | "report">,
  ctx: CoreContext,
  args: string[],
  file: FileInput | undefined,
  locale: Locale,
): Promise<CustodyOutcome> {
  const w = locale === "en" ? en : zh;
  const cur = (args[0] ?? "CNY").toUpperCase();
  if (args.length > 1 || (cur !== "CNY" && cur !== "USD"))
    return {
      replies: say(`${locale === "en" ? "Usage" : "用法"}: ${w.usage}`),
      audit: { outcome: "refused", details: { code: "usage" } },
    };
  const currency = cur as Currency;
  const m = (a: bigint) => formatMoney(a, currency, locale);
  const lines: string[] = [];
  const details: Record<string, unknown> = { currency };
  if (file) {
    let bytes: Uint8Array;
    try {
      bytes = await file.read(MAX_STATEMENT_UPLOAD);
    } catch (e) {
      if (!(e instanceof FileTooLargeError)) throw e;
      return {
        replies: say(w.tooLarge(MAX_STATEMENT_UPLOAD / 1024 / 1024)),
        audit: { outcome: "refused", details: { code: "file_too_large" } },
      };
    }
    const r = await custody.importStatement(ctx, {
      fileName: file.name.slice(0, 200) || "statement.csv",
      bytes,
      currency,
    });
    lines.push(r.replayed ? w.replayed : w.imported(r.lines, r.newLines, r.matched, r.encoding));
    Object.assign(details, {
      statementId: r.statementId,
      replayed: r.replayed,
      lines: r.lines,
      newLines: r.newLines,
      matched: r.matched,
    });
  }
  const report = await custody.report(ctx, { currency });
  lines.push(w.summary(report, m));
  details.difference = report.difference.toString();
  return {
    replies: [{ kind: "text", body: [{ text: lines.join("\n\n"), style: "pre" }] }],
    audit: { outcome: "ok", details },
  };
}
