import type { AlertSignal } from "../alerts.types.ts";

export interface SupplierBreaker {
  supplierId: string;
  code: string;
  active: boolean;
  state: "closed" | "open" | "half_open";
  consecutiveFailures: number;
}

/** Active suppliers whose circuit is open or half-open (closed again → the alert resolves). */
export function breakerSignals(suppliers: readonly SupplierBreaker[]): AlertSignal[] {
  return suppliers
    .filter((s) => s.active && s.state !== "closed")
    .map((s) => ({
      subject: `breaker:${s.supplierId}`,
      kind: "supplier_breaker" as const,
      severity: s.state === "open" ? ("critical" as const) : ("warning" as const),
      details: { supplierId: s.supplierId, code: s.code, state: s.state, failures: s.consecutiveFailures },
    }));
}
