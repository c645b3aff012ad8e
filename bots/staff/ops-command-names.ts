/** The operations commands of the staff console: reports, money, ledger, alerts, suppliers (ops-commands.ts). */
export const OPS_COMMANDS = [
  "report",
  "balance",
  "statement",
  "credit",
  "debit",
  "ledger",
  "reconcile",
  "alerts",
  "suppliers",
  "supplier",
  "price",
  "limits",
  "sale",
  "batches",
  "product",
  "void",
] as const;
export type OpsCommandName = (typeof OPS_COMMANDS)[number];
