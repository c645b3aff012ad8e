import type { AlertSignal } from "../alerts.types.ts";

/** Paid orders waiting for stock (status AWAITING_STOCK) longer than the limit. */
export interface WaitingBackorders {
  olderThanMinutes: number;
  count: number;
  oldestMinutes: number | null;
}

export function backorderSignals(w: WaitingBackorders): AlertSignal[] {
  if (w.count === 0) return [];
  return [
    {
      subject: "backorders",
      kind: "backorders_waiting",
      severity: "warning",
      details: { count: w.count, olderThanMinutes: w.olderThanMinutes, oldestMinutes: w.oldestMinutes },
    },
  ];
}
