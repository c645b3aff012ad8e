/** The fields of a statement line the reconciliation reads. */
export const STATEMENT_FIELDS = [
  "date",
  "time",
  "credit",
  "debit",
  "amount",
  "currency",
  "serial",
  "reference",
  "counterparty",
] as const;
export type StatementField = (typeof STATEMENT_FIELDS)[number];
