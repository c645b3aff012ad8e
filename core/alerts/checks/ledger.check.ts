import type { AlertSignal } from "../alerts.types.ts";

/** What the ledger check and the reconciliation found (core/ledger `check` and `reconcile`). */
export interface LedgerFindings {
  check: { ok: boolean; unbalanced: number; mismatched: number; heldMismatched: number; negative: number };
  reconcile: Array<{ currency: string; ok: boolean; custody: bigint; customerFunds: bigint }>;
}

/** A ledger that does not hold: one alert for the check, one per currency that does not reconcile. */
export function ledgerSignals(f: LedgerFindings): AlertSignal[] {
  const out: AlertSignal[] = [];
  if (!f.check.ok)
    out.push({
      subject: "ledger:check",
      kind: "ledger_mismatch",
      severity: "critical",
      details: {
        check: "ledger",
        unbalanced: f.check.unbalanced,
        mismatched: f.check.mismatched,
        heldMismatched: f.check.heldMismatched,
        negative: f.check.negative,
      },
    });
  for (const r of f.reconcile)
    if (!r.ok)
      out.push({
        subject: `ledger:reconcile:${r.currency}`,
        kind: "ledger_mismatch",
        severity: "critical",
        details: {
          check: "reconcile",
          currency: r.currency,
          custody: r.custody.toString(),
          customerFunds: r.customerFunds.toString(),
          gap: (r.custody + r.customerFunds).toString(),
        },
      });
  return out;
}
