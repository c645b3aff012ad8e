import type { CoreContext } from "../../core/shared/index.ts";
import { createStaffConsole, type StaffConsoleContainer } from "../staff-console.ts";
import { createAlertSweep } from "./alert-sweep.ts";
import { expireApprovals } from "./expire-approvals.ts";

/** The staff console's periodic work, run by the workers (jobs `sweep-staff-alerts`, `check-ledger`, `expire-approvals`). */
export interface StaffChecks {
  sweepAlerts(ctx: CoreContext): Promise<{ notices: number; errors: Error[] }>;
  checkLedger(ctx: CoreContext): Promise<number>;
  expireApprovals(ctx: CoreContext): Promise<number>;
}

export function createStaffChecks(c: StaffConsoleContainer): StaffChecks {
  const con = createStaffConsole(c);
  const sweep = createAlertSweep({
    sql: c.db.sql,
    clock: c.clock,
    alerts: con.alerts,
    catalog: c.catalog,
    inventory: c.inventory,
    suppliers: c.suppliers,
    ledger: c.ledger,
    lowStock: {
      minDaysOfCover: c.config.STAFF_ALERT_LOW_STOCK_DAYS,
      floor: c.config.STAFF_ALERT_LOW_STOCK_FLOOR,
      days: 7,
    },
    orderHealth: {
      windowMinutes: 15,
      maxFailureRate: c.config.STAFF_ALERT_FAILURE_PERCENT / 100,
      minOrders: 5,
      refundStorm: c.config.STAFF_ALERT_REFUND_STORM,
    },
    backorderMinutes: c.config.STAFF_ALERT_BACKORDER_MINUTES,
  });
  return {
    async sweepAlerts(ctx) {
      const r = await sweep.sweep(ctx);
      return { notices: r.notices.length, errors: r.errors };
    },
    checkLedger: async (ctx) => (await sweep.ledger(ctx)).length,
    expireApprovals: (ctx) => expireApprovals({ approvals: con.approvals, alerts: con.alerts }, ctx),
  };
}
