import { rowMap, selectList, sql, type Currency } from "../shared/index.ts";
import type { ReportLine } from "./custody.types.ts";

/** Every statement of core/custody (custody_statements, custody_statement_lines, custody_checks). */

export const LINE_ROW = rowMap<
  ReportLine & { currency: string; statementId: string; lineHash: string; matchedAt: Date | null }
>("custody_statement_lines", {
  id: { column: "id", cast: "text" },
  statementId: { column: "statement_id", cast: "text" },
  lineHash: { column: "line_hash" },
  lineNo: { column: "line_no" },
  bookedAt: { column: "booked_at" },
  amount: { column: "amount" },
  currency: { column: "currency", cast: "text" },
  reference: { column: "reference" },
  counterparty: { column: "counterparty" },
  serial: { column: "bank_serial" },
  matchedType: { column: "matched_type" },
  matchedId: { column: "matched_id" },
  matchedAt: { column: "matched_at" },
});
const LINE_COLUMNS = selectList(LINE_ROW, "l");

export const statementByHashSql = (fileHash: string) => sql`
  SELECT id::text AS id, line_count AS "lineCount", encoding FROM custody_statements WHERE file_hash = ${fileHash}::text`;

export const insertStatementSql = (s: {
  id: string;
  fileHash: string;
  sourceName: string;
  encoding: string;
  currency: Currency;
  lineCount: number;
  importedBy: string;
  now: Date;
}) => sql`
  INSERT INTO custody_statements (id, file_hash, source_name, encoding, currency, line_count, new_lines, imported_by, imported_at)
  VALUES (${s.id}::uuid, ${s.fileHash}::text, ${s.sourceName}::text, ${s.encoding}::text, ${s.currency}::text,
          ${s.lineCount}::int, 0, ${s.importedBy}::text, ${s.now}::timestamptz)
  ON CONFLICT (file_hash) DO NOTHING
  RETURNING id::text AS id`;

/** The lines of one file, in one statement; a line already imported (same hash) is skipped. Returns the new ones. */
export const insertLinesSql = (
  statementId: string,
  lines: Array<{
    id: string;
    hash: string;
    lineNo: number;
    bookedAt: Date;
    amount: bigint;
    currency: string;
    reference: string;
    counterparty: string;
    serial: string | null;
  }>,
) => sql`
  INSERT INTO custody_statement_lines (id, statement_id, line_hash, line_no, booked_at, amount, currency, reference,
                                       counterparty, bank_serial)
  SELECT l.id, ${statementId}::uuid, l.hash, l.line_no, l.booked_at, l.amount, l.currency, l.reference, l.counterparty, l.serial
  FROM unnest(${lines.map((l) => l.id)}::uuid[], ${lines.map((l) => l.hash)}::text[], ${lines.map((l) => l.lineNo)}::int[],
              ${lines.map((l) => l.bookedAt)}::timestamptz[], ${lines.map((l) => l.amount)}::int8[],
              ${lines.map((l) => l.currency)}::text[], ${lines.map((l) => l.reference)}::text[],
              ${lines.map((l) => l.counterparty)}::text[], ${lines.map((l) => l.serial)}::text[])
       AS l(id, hash, line_no, booked_at, amount, currency, reference, counterparty, serial)
  ON CONFLICT (line_hash) DO NOTHING`;

export const setNewLinesSql = (statementId: string, n: number) => sql`
  UPDATE custody_statements SET new_lines = ${n}::int WHERE id = ${statementId}::uuid`;

/** One matcher at a time (imports and reports may match concurrently): a transaction-scoped advisory lock. */
export const lockMatchingSql = sql`SELECT pg_advisory_xact_lock(hashtext('kameng:custody-match'))::text AS locked`;

/** One scheduled check at a time, so a mismatch is announced once however many workers run the job. */
export const lockCheckSql = sql`SELECT pg_advisory_xact_lock(hashtext('kameng:custody-check'))::text AS locked`;

export const unmatchedLinesSql = (currency: Currency) => sql`
  SELECT ${LINE_COLUMNS} FROM custody_statement_lines l
  WHERE l.currency = ${currency}::text AND l.matched_id IS NULL ORDER BY l.booked_at, l.line_no`;

export const matchedIdsSql = (currency: Currency) => sql`
  SELECT matched_type AS "type", matched_id AS "id" FROM custody_statement_lines
  WHERE currency = ${currency}::text AND matched_id IS NOT NULL`;

export const matchLineSql = (lineId: string, type: "payment" | "payout", movementId: string, now: Date) => sql`
  UPDATE custody_statement_lines SET matched_type = ${type}::text, matched_id = ${movementId}::text,
         matched_at = ${now}::timestamptz
  WHERE id = ${lineId}::uuid AND matched_id IS NULL`;

export const linesInPeriodSql = (currency: Currency, from: Date, to: Date) => sql`
  SELECT ${LINE_COLUMNS} FROM custody_statement_lines l
  WHERE l.currency = ${currency}::text AND l.booked_at >= ${from}::timestamptz AND l.booked_at < ${to}::timestamptz
  ORDER BY l.booked_at, l.line_no`;

export const linePeriodSql = (currency: Currency) => sql`
  SELECT min(booked_at) AS "from", max(booked_at) AS "to" FROM custody_statement_lines WHERE currency = ${currency}::text`;

export const lastCheckSql = (currency: Currency) => sql`
  SELECT ok, custody, customer_funds AS "customerFunds" FROM custody_checks WHERE currency = ${currency}::text
  ORDER BY checked_at DESC, id DESC LIMIT 1`;

export const insertCheckSql = (c: {
  id: string;
  currency: Currency;
  ok: boolean;
  custody: bigint;
  customerFunds: bigint;
  now: Date;
}) => sql`
  INSERT INTO custody_checks (id, currency, ok, custody, customer_funds, checked_at)
  VALUES (${c.id}::uuid, ${c.currency}::text, ${c.ok}::boolean, ${c.custody}::int8, ${c.customerFunds}::int8, ${c.now}::timestamptz)`;
