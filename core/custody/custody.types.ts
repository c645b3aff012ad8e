import type { CoreContext, Currency } from "../shared/index.ts";
import type { StatementEncoding, StatementField } from "./statement-csv.ts";

/** Something that should appear on the custody bank statement: a provider payment in, a payout out. */
export interface CustodyMovement {
  kind: "payment" | "payout";
  id: string;
  /** What the bank line's reference (or serial) carries for it: the id, and the provider's/bank's own id. */
  references: string[];
  /** Signed minor units: + into custody (a payment), − out of it (a payout). */
  amount: bigint;
  currency: Currency;
  at: Date;
}

/** Payments as custody reads them (core/payments' `custodyMovements`, structurally). */
export interface CustodyPaymentsPort {
  custodyMovements(
    ctx: CoreContext,
    input: { currency: Currency; from: Date; to: Date },
  ): Promise<Array<{ paymentId: string; externalId: string | null; amount: bigint; currency: Currency; at: Date }>>;
}

/**
 * Payouts paid out of custody (withdrawals to distributors). Filled by the withdrawals module when it lands
 * (docs/custody.md); until then the container passes `noPayouts`.
 */
export interface CustodyPayoutsPort {
  paidOut(
    ctx: CoreContext,
    input: { currency: Currency; from: Date; to: Date },
  ): Promise<Array<{ payoutId: string; reference: string | null; amount: bigint; currency: Currency; at: Date }>>;
}

/** The ledger's own reconciliation (custody + customer funds = 0), structurally. */
export interface CustodyLedgerPort {
  reconcile(ctx: CoreContext, currency: Currency): Promise<{ ok: boolean; custody: bigint; customerFunds: bigint }>;
}

export interface ImportInput {
  /** The file's name, for the record (no path is read by core). */
  fileName: string;
  bytes: Uint8Array;
  currency: Currency;
  encoding?: "auto" | StatementEncoding;
  /** Column names replacing the default mapping's, per field. */
  mapping?: Partial<Record<StatementField, string>>;
}

export interface ImportResult {
  statementId: string;
  /** The same file was imported before: nothing changed. */
  replayed: boolean;
  encoding: StatementEncoding;
  lines: number;
  /** Lines not seen in any earlier statement (an overlapping statement adds only these). */
  newLines: number;
  /** Lines matched to a payment or payout by this import. */
  matched: number;
}

export interface ReportLine {
  id: string;
  lineNo: number;
  bookedAt: Date;
  amount: bigint;
  reference: string;
  counterparty: string;
  serial: string | null;
  matchedType: "payment" | "payout" | null;
  matchedId: string | null;
}

export interface CustodyReport {
  currency: Currency;
  from: Date;
  to: Date;
  bank: { lines: number; credits: bigint; debits: bigint; net: bigint };
  expected: { movements: number; net: bigint };
  matched: { lines: number; amount: bigint };
  /** Bank lines with no payment or payout (money the platform has no record of). */
  unmatchedLines: ReportLine[];
  /** Payments and payouts of the period with no bank line. */
  missing: CustodyMovement[];
  /** Bank net − expected net over the period (0 when both sides agree). */
  difference: bigint;
  /** The ledger's own check: custody against customer funds. */
  ledger: { ok: boolean; custody: bigint; customerFunds: bigint };
}

export interface CustodyCheckResult {
  currency: Currency;
  ok: boolean;
  custody: bigint;
  customerFunds: bigint;
  /** A `custody.mismatch` event was written (a mismatch began or its difference changed). */
  alerted: boolean;
}
