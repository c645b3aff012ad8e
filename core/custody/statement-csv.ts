import { parse as parseCsv } from "csv-parse/sync";
import { CURRENCIES, invalidData, MAX_MINOR, type Currency } from "../shared/index.ts";

import { STATEMENT_FIELDS, type StatementField } from "./statement-fields.ts";

export { STATEMENT_FIELDS, type StatementField };

/**
 * The default column mapping: each field and the header names banks use for it (Chinese first). A file
 * needs `date`, and either `amount` (signed: + into the account) or `credit`/`debit` (收入/支出). Other
 * columns are ignored. An operator's own mapping (`--map reference=用途`) replaces a field's names.
 */
export const DEFAULT_MAPPING: Readonly<Record<StatementField, readonly string[]>> = {
  date: ["交易日期", "记账日期", "日期", "入账日期", "date", "booking date", "value date"],
  time: ["交易时间", "时间", "time"],
  credit: ["收入金额", "贷方金额", "贷方发生额", "收入", "credit", "credit amount"],
  debit: ["支出金额", "借方金额", "借方发生额", "支出", "debit", "debit amount"],
  amount: ["交易金额", "金额", "发生额", "amount"],
  currency: ["币种", "货币", "currency"],
  serial: ["交易流水号", "流水号", "银行流水号", "凭证号", "serial", "transaction id", "bank reference"],
  reference: ["附言", "摘要", "用途", "备注", "交易附言", "reference", "memo", "remark", "description"],
  counterparty: ["对方户名", "对方账户名称", "对方名称", "counterparty", "payer", "payee"],
};

export type StatementEncoding = "utf-8" | "gbk";

export interface StatementLine {
  /** 1-based line of the file. */
  lineNo: number;
  bookedAt: Date;
  /** Signed minor units: + into the custody account, − out of it. */
  amount: bigint;
  currency: Currency;
  reference: string;
  counterparty: string;
  serial: string | null;
}

export interface ParsedStatement {
  encoding: StatementEncoding;
  lines: StatementLine[];
}

/** Largest statement file read (bytes). */
export const MAX_STATEMENT_BYTES = 20 * 1024 * 1024;
const MAX_TEXT = 512;

/**
 * Decodes a statement file: UTF-8 (a BOM or not) when the bytes are valid UTF-8, else GBK (read as GB 18030,
 * its superset) — or the encoding the operator names.
 */
export function decodeStatement(bytes: Uint8Array, encoding: "auto" | StatementEncoding = "auto") {
  const tryDecode = (label: string) => {
    try {
      return new TextDecoder(label, { fatal: true }).decode(bytes);
    } catch {
      return null;
    }
  };
  if (encoding !== "gbk") {
    const utf8 = tryDecode("utf-8");
    if (utf8 !== null) return { text: utf8.replace(/^\uFEFF/, ""), encoding: "utf-8" as const };
    if (encoding === "utf-8") throw invalidData("bad_encoding", "the file is not valid UTF-8 (try --encoding gbk)");
  }
  const gbk = tryDecode("gb18030");
  if (gbk === null) throw invalidData("bad_encoding", "the file is neither UTF-8 nor GBK text");
  return { text: gbk, encoding: "gbk" as const };
}

const norm = (s: string) => s.replace(/[\s\u3000:：()（）]+/g, "").toLowerCase();

/** A decimal amount as the bank writes it (`1,234.56`, `-12.5`, `¥8.00`, `(3.00)`) → minor units. */
export function parseAmount(text: string, currency: Currency): bigint | null {
  let s = text.replace(/[\s,，¥￥$]/g, "").replace(/^CNY|^RMB|^USD/i, "");
  if (s === "" || s === "-" || s === "--") return null;
  let negative = false;
  if (/^\(.*\)$/.test(s)) {
    negative = true;
    s = s.slice(1, -1);
  }
  if (s.startsWith("+")) s = s.slice(1);
  else if (s.startsWith("-")) {
    negative = !negative;
    s = s.slice(1);
  }
  const digits = CURRENCIES[currency].minorDigits;
  const m = /^(\d{1,16})(?:\.(\d+))?$/.exec(s);
  if (!m) throw new Error(`"${text}" is not an amount`);
  const frac = (m[2] ?? "").replace(/0+$/, "");
  if (frac.length > digits) throw new Error(`"${text}" has more than ${digits} decimals`);
  const minor = BigInt(m[1]!) * 10n ** BigInt(digits) + BigInt(frac.padEnd(digits, "0") || "0");
  if (minor >= MAX_MINOR) throw new Error(`"${text}" is too large`);
  return negative ? -minor : minor;
}

/** A booking date (and time) in China Standard Time: `2026-12-01`, `20261201`, `2026/12/1`, `2026-12-01 10:20:30`. */
export function parseBookedAt(date: string, time = ""): Date {
  const d = /^(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(date.trim());
  if (!d) throw new Error(`"${date}" is not a date (YYYY-MM-DD)`);
  const t = time.trim() ? /^(\d{1,2}):?(\d{2}):?(\d{2})?$/.exec(time.trim()) : null;
  if (time.trim() && !t) throw new Error(`"${time}" is not a time (HH:MM:SS)`);
  const [y, mo, da] = [Number(d[1]), Number(d[2]), Number(d[3])];
  const [h, mi, se] = t
    ? [Number(t[1]), Number(t[2]), Number(t[3] ?? 0)]
    : [Number(d[4] ?? 0), Number(d[5] ?? 0), Number(d[6] ?? 0)];
  const at = new Date(Date.UTC(y, mo - 1, da, h - 8, mi, se));
  const local = new Date(at.getTime() + 8 * 3_600_000);
  if (
    local.getUTCFullYear() !== y ||
    local.getUTCMonth() !== mo - 1 ||
    local.getUTCDate() !== da ||
    h > 23 ||
    mi > 59 ||
    se > 59
  )
    throw new Error(`"${date}${time ? " " + time : ""}" is not a real date`);
  return at;
}

/**
 * Reads a statement: finds the header row (banks put the account and period above it), maps its columns
 * and parses every line after it. All or nothing: the first bad line refuses the whole file with its line
 * number and what is wrong, so nothing is half-imported.
 */
export function parseStatement(
  text: string,
  opts: { currency: Currency; mapping?: Partial<Record<StatementField, string>> },
): StatementLine[] {
  let rows: string[][];
  try {
    rows = parseCsv(text, { relax_column_count: true, skip_empty_lines: false, bom: true, trim: true }) as string[][];
  } catch (e) {
    throw invalidData("malformed_csv", `the file is not valid CSV: ${(e as Error).message}`);
  }
  const names: Record<StatementField, string[]> = Object.fromEntries(
    STATEMENT_FIELDS.map((f) => [f, (opts.mapping?.[f] ? [opts.mapping[f]!] : [...DEFAULT_MAPPING[f]]).map(norm)]),
  ) as Record<StatementField, string[]>;
  const headerAt = rows.findIndex((r) => r.some((c) => names.date.includes(norm(c))));
  if (headerAt < 0)
    throw invalidData(
      "no_header",
      `no header row with a date column (${DEFAULT_MAPPING.date.slice(0, 3).join(" / ")}, or --map date=<column>)`,
    );
  const header = rows[headerAt]!.map(norm);
  const col = (f: StatementField) => {
    const i = header.findIndex((h) => names[f].includes(h));
    return i < 0 ? undefined : i;
  };
  const at = Object.fromEntries(STATEMENT_FIELDS.map((f) => [f, col(f)])) as Record<StatementField, number | undefined>;
  if (at.amount === undefined && at.credit === undefined && at.debit === undefined)
    throw invalidData(
      "no_amount_column",
      "no amount column: the file needs 金额/amount or 收入/支出 (credit/debit) columns",
    );

  const lines: StatementLine[] = [];
  for (let i = headerAt + 1; i < rows.length; i++) {
    const row = rows[i]!;
    const lineNo = i + 1;
    const cell = (f: StatementField) => (at[f] === undefined ? "" : (row[at[f]!] ?? "").trim());
    if (row.every((c) => c.trim() === "")) continue;
    // Banks close a statement with totals (合计/总计): a row whose date cell is not a date and has no amount of its own.
    if (/^(合计|总计|本页合计|total)/i.test(cell("date"))) continue;
    try {
      const currency = (cell("currency") ? currencyOf(cell("currency")) : opts.currency) ?? opts.currency;
      if (currency !== opts.currency)
        throw new Error(`currency ${cell("currency")} is not the statement's ${opts.currency}`);
      const bookedAt = parseBookedAt(cell("date"), cell("time"));
      let amount: bigint | null;
      if (at.amount !== undefined && cell("amount")) amount = parseAmount(cell("amount"), currency);
      else {
        const credit = parseAmount(cell("credit"), currency) ?? 0n;
        const debit = parseAmount(cell("debit"), currency) ?? 0n;
        if (credit !== 0n && debit !== 0n) throw new Error("both credit and debit are set");
        amount = credit !== 0n ? credit : debit !== 0n ? -(debit < 0n ? -debit : debit) : null;
      }
      if (amount === null || amount === 0n) throw new Error("no amount");
      const reference = cell("reference");
      const counterparty = cell("counterparty");
      const serial = cell("serial");
      if ([reference, counterparty, serial].some((v) => v.length > MAX_TEXT))
        throw new Error(`a text field is longer than ${MAX_TEXT} characters`);
      lines.push({ lineNo, bookedAt, amount, currency, reference, counterparty, serial: serial || null });
    } catch (e) {
      throw invalidData("bad_line", `line ${lineNo}: ${(e as Error).message}`, { line: lineNo });
    }
  }
  if (lines.length === 0) throw invalidData("empty_statement", "the statement has no lines after its header");
  return lines;
}

function currencyOf(text: string): Currency | undefined {
  const t = text.trim().toUpperCase();
  if (t === "人民币" || t === "RMB" || t === "CNY" || t === "156") return "CNY";
  if (t === "美元" || t === "USD" || t === "840") return "USD";
  throw new Error(`currency "${text}" is not one we keep in custody`);
}
