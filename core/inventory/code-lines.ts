import { parse as parseCsv } from "csv-parse/sync";

/** Longest code or password we store; longer lines are rejected, not truncated. */
export const MAX_FIELD_LENGTH = 256;
/** A "line" longer than this without a newline is skipped as too long instead of buffered. */
const MAX_LINE_LENGTH = 4 * MAX_FIELD_LENGTH;
/** Date-only expiries end with that day in China Standard Time (UTC+8), the business's calendar. */
const CST_OFFSET = "+08:00";

export type LineRejection =
  | "empty_line"
  | "empty_code"
  | "too_long"
  | "invalid_characters"
  | "too_many_fields"
  | "malformed_csv"
  | "bad_expiry"
  | "expired";

export type ParsedLine =
  | { ok: true; code: string; password: string | null; expiresAt: Date | null }
  | { ok: false; reason: LineRejection }
  | { ok: "header" };

export interface RawLine {
  no: number;
  text: string;
  /** The line exceeded MAX_LINE_LENGTH and its text was dropped. */
  overlong?: boolean;
}

/**
 * Splits text arriving in chunks (strings or bytes, e.g. a file stream) into numbered lines without
 * holding the whole file. A final line without a newline counts; a final newline adds no empty line.
 */
export async function* readLines(content: string | AsyncIterable<string | Uint8Array>): AsyncGenerator<RawLine> {
  for await (const group of readLineGroups(content)) yield* group;
}

/**
 * `readLines` a piece at a time: each group holds the lines completed by one piece of the input (all of
 * them for a string), read synchronously — no promise per line. Read each group before asking for the next.
 */
export async function* readLineGroups(
  content: string | AsyncIterable<string | Uint8Array>,
): AsyncGenerator<Iterable<RawLine>> {
  let no = 0;
  let carry = "";
  let overlong = false;
  let first = true;
  const decoder = new TextDecoder("utf-8");
  const split = function* (piece: string): Generator<RawLine> {
    if (first) {
      first = false;
      if (piece.charCodeAt(0) === 0xfeff) piece = piece.slice(1);
    }
    let start = 0;
    for (let nl = piece.indexOf("\n"); nl !== -1; nl = piece.indexOf("\n", start)) {
      const part = piece.slice(start, nl);
      start = nl + 1;
      no++;
      if (overlong || carry.length + part.length > MAX_LINE_LENGTH) yield { no, text: "", overlong: true };
      else yield { no, text: stripCr(carry === "" ? part : carry + part) };
      carry = "";
      overlong = false;
    }
    const rest = piece.slice(start);
    if (overlong || carry.length + rest.length > MAX_LINE_LENGTH) {
      overlong = true;
      carry = "";
    } else carry += rest;
  };
  if (typeof content === "string") {
    yield split(content);
  } else {
    for await (const chunk of content) {
      const piece = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
      if (piece) yield split(piece);
    }
    const tail = decoder.decode();
    if (tail) yield split(tail);
  }
  if (overlong) yield [{ no: no + 1, text: "", overlong: true }];
  else if (carry !== "") yield [{ no: no + 1, text: stripCr(carry) }];
}

const stripCr = (s: string) => (s.charCodeAt(s.length - 1) === 13 ? s.slice(0, -1) : s);

const HEADER_RE =
  /^\s*(code|card|卡号|卡密)\s*([,\t]\s*(password|pass|pwd|密码)\s*([,\t]\s*(expiry|expires|expires_at|有效期|过期时间)\s*)?)?$/i;
// Whitespace or control characters inside a code usually mean a badly split file.
const BAD_CHARS_RE = /[\s\p{Cc}]/u;

/** `code`, `code,password` or `code,password,expiry` (ISO date or date-time); comma- or tab-separated. */
export function parseCodeLine(line: RawLine, now: Date, isFirst: boolean): ParsedLine {
  if (line.overlong) return { ok: false, reason: "too_long" };
  const text = line.text.trim();
  if (text === "") return { ok: false, reason: "empty_line" };
  if (isFirst && HEADER_RE.test(text)) return { ok: "header" };
  let fields: string[];
  if (text.includes('"')) {
    try {
      const rows = parseCsv(text, { relax_column_count: true }) as string[][];
      if (rows.length !== 1 || !rows[0]) return { ok: false, reason: "malformed_csv" };
      fields = rows[0];
    } catch {
      // The parser's message quotes the line, which holds a code: keep only the reason.
      return { ok: false, reason: "malformed_csv" };
    }
  } else {
    fields = text.split(text.includes(",") ? "," : "\t");
  }
  fields = fields.map((f) => f.trim());
  while (fields.length > 1 && fields.at(-1) === "") fields.pop();
  if (fields.length > 3) return { ok: false, reason: "too_many_fields" };
  const [code = "", password = "", expiry = ""] = fields;
  if (code === "") return { ok: false, reason: "empty_code" };
  if (code.length > MAX_FIELD_LENGTH || password.length > MAX_FIELD_LENGTH) return { ok: false, reason: "too_long" };
  if (BAD_CHARS_RE.test(code) || BAD_CHARS_RE.test(password)) return { ok: false, reason: "invalid_characters" };
  let expiresAt: Date | null = null;
  if (expiry !== "") {
    expiresAt = parseExpiry(expiry);
    if (!expiresAt) return { ok: false, reason: "bad_expiry" };
    if (expiresAt.getTime() <= now.getTime()) return { ok: false, reason: "expired" };
  }
  return { ok: true, code, password: password === "" ? null : password, expiresAt };
}

/**
 * `2026-12-31` → the end of that day in UTC+8; `2026-12-31T18:00` (no zone) → UTC+8;
 * `2026-12-31T18:00:00Z` / `+02:00` → as given. Impossible dates (02-30) are rejected.
 */
export function parseExpiry(s: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/.exec(s);
  if (!m) return null;
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(Number(y), month)) return null;
  let iso: string;
  if (h === undefined) iso = `${y}-${mo}-${d}T23:59:59.999${CST_OFFSET}`;
  else {
    if (Number(h) > 23 || Number(mi) > 59 || Number(sec ?? 0) > 59) return null;
    iso = `${y}-${mo}-${d}T${h}:${mi}:${sec ?? "00"}${frac ?? ""}${zone ?? CST_OFFSET}`;
  }
  const t = Date.parse(iso);
  return Number.isFinite(t) ? new Date(t) : null;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
