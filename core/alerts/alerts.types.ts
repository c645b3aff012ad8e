import type { CoreContext } from "../shared/index.ts";

/** What an alert is about; the renderer (bots/staff/alert-messages.ts) has a line for each. */
export const ALERT_KINDS = [
  "low_stock",
  "supplier_breaker",
  "failure_rate",
  "refund_storm",
  "ledger_mismatch",
  "backorders_waiting",
  "approval_expired",
  "webhook_errors",
  "telegram_webhook",
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export type AlertSeverity = "warning" | "critical";
/** Why the staff channel hears of an alert: it opened, it still holds (throttled), it cleared; a one-off notice. */
export type AlertState = "opened" | "reminder" | "resolved" | "notice";

/**
 * A condition a check found: `subject` is its dedupe key (`low_stock:<product id>`, `ledger:check`), one
 * open alert per subject. `details` are the figures the message shows (JSON; never a secret).
 */
export interface AlertSignal {
  subject: string;
  kind: AlertKind;
  severity: AlertSeverity;
  details: Record<string, string | number | boolean | null>;
}

export interface Alert extends AlertSignal {
  id: string;
  status: "OPEN" | "RESOLVED";
  openedAt: Date;
  lastSeenAt: Date;
  lastNotifiedAt: Date;
  notifiedCount: number;
  resolvedAt: Date | null;
}

/** A notification that was recorded (its `staff.alert` outbox event committed with it). */
export interface AlertNotice {
  state: AlertState;
  alert: AlertSignal & { id: string | null };
}

export interface Alerts {
  /**
   * The condition holds: opens the subject's alert (notice `opened`), or — when it is already open and was
   * last notified at least the re-notify interval ago — notifies again (`reminder`); otherwise null.
   */
  raise(ctx: CoreContext, signal: AlertSignal): Promise<AlertNotice | null>;
  /** The condition cleared: resolves the subject's open alert (notice `resolved`), or null when none is open. */
  resolve(ctx: CoreContext, subject: string): Promise<AlertNotice | null>;
  /**
   * One check's full answer for its kind: raises each firing signal and resolves every open alert of the
   * kind (within `scope`, a subject prefix, when given) that is not firing any more.
   */
  sweep(ctx: CoreContext, input: { kind: AlertKind; firing: AlertSignal[]; scope?: string }): Promise<AlertNotice[]>;
  /** A one-off message to the staff channel (no open alert, no throttle): an approval that expired… */
  notify(ctx: CoreContext, signal: AlertSignal): Promise<AlertNotice>;
  /** The open alerts, oldest first. */
  open(ctx: CoreContext, input?: { limit?: number }): Promise<Alert[]>;
}
