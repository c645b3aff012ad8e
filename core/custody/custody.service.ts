import { recordEvents } from "../events/index.ts";
import {
  CURRENCIES,
  describeActor,
  invalidData,
  newId,
  type Clock,
  type CoreContext,
  type Currency,
  type SqlRunner,
} from "../shared/index.ts";
import {
  insertCheckSql,
  insertLinesSql,
  insertStatementSql,
  lastCheckSql,
  linePeriodSql,
  linesInPeriodSql,
  lockCheckSql,
  lockMatchingSql,
  matchedIdsSql,
  matchLineSql,
  setNewLinesSql,
  statementByHashSql,
  unmatchedLinesSql,
} from "./custody.sql.ts";
import type {
  CustodyCheckResult,
  CustodyLedgerPort,
  CustodyMovement,
  CustodyPaymentsPort,
  CustodyPayoutsPort,
  CustodyReport,
  ImportInput,
  ImportResult,
  ReportLine,
} from "./custody.types.ts";
import { fileHash, lineHashes } from "./line-hash.ts";
import { matchLines } from "./match-lines.ts";
import { decodeStatement, MAX_STATEMENT_BYTES, parseStatement } from "./statement-csv.ts";

export interface CustodyDeps {
  sql: SqlRunner;
  clock: Clock;
  payments: CustodyPaymentsPort;
  payouts: CustodyPayoutsPort;
  ledger: CustodyLedgerPort;
  /** Currencies the scheduled check reconciles (default: every currency the ledger keeps). */
  currencies?: readonly Currency[];
}

export interface Custody {
  /**
   * Imports a bank statement CSV (UTF-8 or GBK; the documented column mapping or the operator's), all lines
   * or none, then matches unmatched lines to payments and payouts. The same file again, or lines already
   * imported from another file, change nothing.
   */
  importStatement(ctx: CoreContext, input: ImportInput): Promise<ImportResult>;
  /**
   * Bank lines against payments and payouts over a period (default: the statements' whole span): matched,
   * bank lines with no record, records with no bank line, the difference; and the ledger's own check.
   */
  report(ctx: CoreContext, input: { currency: Currency; from?: Date; to?: Date }): Promise<CustodyReport>;
  /**
   * The scheduled check: the ledger's reconcile (custody vs customer funds) per currency, recorded; a
   * mismatch that begins or changes writes `custody.mismatch`.
   */
  check(ctx: CoreContext): Promise<CustodyCheckResult[]>;
}

/** How far around a statement's dates payments and payouts are looked for (bank booking lags the platform). */
const MATCH_MARGIN_MS = 3 * 24 * 3_600_000;
const DAY_MS = 24 * 3_600_000;

const CST_MS = 8 * 3_600_000;
/** Midnight in China Standard Time of the day `at` falls on. */
const chinaDayStart = (at: Date) => new Date(Math.floor((at.getTime() + CST_MS) / DAY_MS) * DAY_MS - CST_MS);

export const noPayouts: CustodyPayoutsPort = { paidOut: async () => [] };

export function createCustody({
  sql,
  clock,
  payments,
  payouts,
  ledger,
  currencies = Object.keys(CURRENCIES) as Currency[],
}: CustodyDeps): Custody {
  async function movements(ctx: CoreContext, currency: Currency, from: Date, to: Date): Promise<CustodyMovement[]> {
    const [ins, outs] = await Promise.all([
      payments.custodyMovements(ctx, { currency, from, to }),
      payouts.paidOut(ctx, { currency, from, to }),
    ]);
    return [
      ...ins.map((p) => ({
        kind: "payment" as const,
        id: p.paymentId,
        references: [p.paymentId, ...(p.externalId ? [p.externalId] : [])],
        amount: p.amount,
        currency: p.currency,
        at: p.at,
      })),
      ...outs.map((p) => ({
        kind: "payout" as const,
        id: p.payoutId,
        references: [p.payoutId, ...(p.reference ? [p.reference] : [])],
        amount: -(p.amount < 0n ? -p.amount : p.amount),
        currency: p.currency,
        at: p.at,
      })),
    ];
  }

  /**
   * Matches every unmatched line of the currency; returns how many it matched. The movements are read
   * first (payments answer on their own connection: the embedded database has only one), then the pairs
   * are written in one transaction under the matching lock, from the lines and matches as they are then.
   */
  async function matchUnmatched(ctx: CoreContext, currency: Currency): Promise<number> {
    const pending = await sql.query<ReportLine>(unmatchedLinesSql(currency));
    if (pending.length === 0) return 0;
    const from = new Date(Math.min(...pending.map((l) => l.bookedAt.getTime())) - MATCH_MARGIN_MS);
    const to = new Date(Math.max(...pending.map((l) => l.bookedAt.getTime())) + MATCH_MARGIN_MS);
    const candidates = await movements(ctx, currency, from, to);
    if (candidates.length === 0) return 0;
    return sql.transaction(async (tx) => {
      await tx.query(lockMatchingSql);
      const lines = await tx.query<ReportLine>(unmatchedLinesSql(currency));
      const taken = new Set(
        (await tx.query<{ type: string; id: string }>(matchedIdsSql(currency))).map((r) => `${r.type}:${r.id}`),
      );
      const pairs = matchLines(
        lines.map((l) => ({ ...l, amount: BigInt(l.amount) })),
        candidates.filter((m) => !taken.has(`${m.kind}:${m.id}`)),
      );
      const now = clock.now();
      let n = 0;
      for (const p of pairs) n += await tx.execute(matchLineSql(p.lineId, p.movement.kind, p.movement.id, now));
      return n;
    });
  }

  return {
    async importStatement(ctx, input) {
      if (!(input.currency in CURRENCIES)) throw invalidData("invalid_currency", `unknown currency ${input.currency}`);
      if (input.bytes.byteLength === 0) throw invalidData("empty_file", "the file is empty");
      if (input.bytes.byteLength > MAX_STATEMENT_BYTES)
        throw invalidData("file_too_large", `a statement file may be at most ${MAX_STATEMENT_BYTES / 1024 / 1024} MB`);
      const hash = fileHash(input.bytes, input.currency);
      const known = (await sql.query<{ id: string; lineCount: number; encoding: string }>(statementByHashSql(hash)))[0];
      if (known)
        return {
          statementId: known.id,
          replayed: true,
          encoding: known.encoding as ImportResult["encoding"],
          lines: known.lineCount,
          newLines: 0,
          matched: 0,
        };
      const { text, encoding } = decodeStatement(input.bytes, input.encoding ?? "auto");
      const lines = parseStatement(text, {
        currency: input.currency,
        ...(input.mapping ? { mapping: input.mapping } : {}),
      });
      const hashes = lineHashes(lines);
      const now = clock.now();
      const imported: ImportResult = await sql.transaction(async (tx) => {
        const [created] = await tx.query<{ id: string }>(
          insertStatementSql({
            id: newId(),
            fileHash: hash,
            sourceName: input.fileName.slice(0, 200),
            encoding,
            currency: input.currency,
            lineCount: lines.length,
            importedBy: describeActor(ctx.actor),
            now,
          }),
        );
        if (!created) {
          // The same file, imported by a racing call: theirs stands.
          const won = (await tx.query<{ id: string }>(statementByHashSql(hash)))[0]!;
          return { statementId: won.id, replayed: true, encoding, lines: lines.length, newLines: 0, matched: 0 };
        }
        const newLines = await tx.execute(
          insertLinesSql(
            created.id,
            lines.map((l, i) => ({ ...l, id: newId(), hash: hashes[i]! })),
          ),
        );
        await tx.execute(setNewLinesSql(created.id, newLines));
        return { statementId: created.id, replayed: false, encoding, lines: lines.length, newLines, matched: 0 };
      });
      if (imported.replayed) return imported;
      return { ...imported, matched: await matchUnmatched(ctx, input.currency) };
    },

    async report(ctx, input) {
      if (!(input.currency in CURRENCIES)) throw invalidData("invalid_currency", `unknown currency ${input.currency}`);
      const currency = input.currency;
      // Payments recorded since the last import may match lines imported earlier.
      await matchUnmatched(ctx, currency);
      const span = (await sql.query<{ from: Date | null; to: Date | null }>(linePeriodSql(currency)))[0];
      // A statement covers whole days of the bank's calendar (China Standard Time).
      const from = input.from ?? chinaDayStart(span?.from ?? clock.now());
      const to = input.to ?? new Date(chinaDayStart(span?.to ?? clock.now()).getTime() + DAY_MS);
      if (to.getTime() <= from.getTime()) throw invalidData("invalid_period", "the period must end after it starts");
      if (to.getTime() - from.getTime() > 400 * DAY_MS)
        throw invalidData("invalid_period", "a report covers at most 400 days");
      const lines = (await sql.query<ReportLine>(linesInPeriodSql(currency, from, to))).map((l) => ({
        ...l,
        amount: BigInt(l.amount),
      }));
      const expected = await movements(ctx, currency, from, to);
      // A movement is accounted for when any line (of any period) matched it.
      const matchedIds = new Set(
        (await sql.query<{ type: string; id: string }>(matchedIdsSql(currency))).map((r) => `${r.type}:${r.id}`),
      );
      const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
      const matchedLines = lines.filter((l) => l.matchedId !== null);
      const bankNet = sum(lines.map((l) => l.amount));
      const expectedNet = sum(expected.map((m) => m.amount));
      return {
        currency,
        from,
        to,
        bank: {
          lines: lines.length,
          credits: sum(lines.filter((l) => l.amount > 0n).map((l) => l.amount)),
          debits: sum(lines.filter((l) => l.amount < 0n).map((l) => l.amount)),
          net: bankNet,
        },
        expected: { movements: expected.length, net: expectedNet },
        matched: { lines: matchedLines.length, amount: sum(matchedLines.map((l) => l.amount)) },
        unmatchedLines: lines.filter((l) => l.matchedId === null),
        missing: expected.filter((m) => !matchedIds.has(`${m.kind}:${m.id}`)),
        difference: bankNet - expectedNet,
        ledger: await ledger.reconcile(ctx, currency),
      };
    },

    async check(ctx) {
      const results: CustodyCheckResult[] = [];
      for (const currency of currencies) {
        const r = await ledger.reconcile(ctx, currency);
        const alerted = await sql.transaction(async (tx) => {
          await tx.query(lockCheckSql);
          const last = (
            await tx.query<{ ok: boolean; custody: bigint; customerFunds: bigint }>(lastCheckSql(currency))
          )[0];
          const id = newId();
          await tx.execute(insertCheckSql({ id, currency, ...r, now: clock.now() }));
          const difference = r.custody + r.customerFunds;
          const same = last && !last.ok && BigInt(last.custody) + BigInt(last.customerFunds) === difference;
          if (r.ok || same) return false;
          await recordEvents(tx, [
            {
              type: "custody.mismatch",
              payload: { currency, custody: r.custody, customerFunds: r.customerFunds, difference, checkId: id },
            },
          ]);
          return true;
        });
        results.push({ currency, ok: r.ok, custody: r.custody, customerFunds: r.customerFunds, alerted });
      }
      return results;
    },
  };
}
