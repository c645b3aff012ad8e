import type { AlertSignal } from "../alerts.types.ts";

/** Orders over the last `windowMinutes`: how many finished, how many of them failed, how many were refunded. */
export interface OrderWindow {
  windowMinutes: number;
  finished: number;
  failed: number;
  refunded: number;
}

export interface OrderHealthRule {
  /** Failed / finished above this (0..1) is an alert… */
  maxFailureRate: number;
  /** …once at least this many orders finished (two failures of three orders are no trend). */
  minOrders: number;
  /** This many refunds or more in the window is a refund storm. */
  refundStorm: number;
}

/** Fulfilment failing too often. */
export function failureRateSignals(w: OrderWindow, rule: OrderHealthRule): AlertSignal[] {
  if (w.finished < rule.minOrders || w.finished === 0) return [];
  const rate = w.failed / w.finished;
  if (rate <= rule.maxFailureRate) return [];
  return [
    {
      subject: "failure_rate",
      kind: "failure_rate",
      severity: rate >= 0.5 ? "critical" : "warning",
      details: {
        failed: w.failed,
        finished: w.finished,
        ratePercent: Math.round(rate * 1000) / 10,
        maxPercent: rule.maxFailureRate * 100,
        windowMinutes: w.windowMinutes,
      },
    },
  ];
}

/** Many refunds at once (a supplier sending bad codes, an attack, a mistake). */
export function refundStormSignals(w: OrderWindow, rule: OrderHealthRule): AlertSignal[] {
  if (w.refunded < rule.refundStorm) return [];
  return [
    {
      subject: "refund_storm",
      kind: "refund_storm",
      severity: "critical",
      details: { refunded: w.refunded, threshold: rule.refundStorm, windowMinutes: w.windowMinutes },
    },
  ];
}
