import type { OpsDeps } from "../bots/staff/index.ts";
import { createAlerts, type Alerts } from "../core/alerts/index.ts";
import { createApprovals, type Approvals } from "../core/approvals/index.ts";
import { createAudit, type Audit } from "../core/audit/index.ts";
import { createUserLookup, type UserLookup } from "../core/flows/index.ts";
import { kycOverrideAction } from "../core/flows/kyc-override.action.ts";
import { refundOrderAction } from "../core/flows/refund-order.action.ts";
import { refundOrdersAction } from "../core/flows/refund-orders.action.ts";
import { staffChangeAction } from "../core/flows/staff-change.action.ts";
import { riskReleaseAction } from "../core/flows/risk-release.action.ts";
import { walletCode } from "../core/ledger/index.ts";
import type { Suppliers } from "../core/suppliers/index.ts";
import { productPriceAction } from "../core/flows/product-price.action.ts";
import { walletAdjustAction } from "../core/flows/wallet-adjust.action.ts";
import { unitsSoldSinceSql } from "../core/orders/index.ts";
import { cancelWithdrawalFlow, requestWithdrawalFlow } from "../core/flows/request-withdrawal.flow.ts";
import { withdrawalPayAction } from "../core/flows/withdrawal-pay.action.ts";
import type { PayoutProvider, Withdrawals } from "../core/withdrawals/index.ts";
import { createIdentity } from "../core/identity/index.ts";
import { createReports, type Reports } from "../core/reports/index.ts";
import { delegate, type CoreContext } from "../core/shared/index.ts";
import { createStaff, type Staff } from "../core/staff/index.ts";
import { currencyAmounts, staffRefundOver } from "./config.ts";
import { createWithdrawalsFor } from "./withdrawals.ts";
import type { Container } from "./container.ts";
import { sqlReportFigures } from "./staff-ops/report-figures.ts";

/** The operators' console's core modules, wired from the container (the CLI and the staff bot share them). */
export interface StaffConsole {
  staff: Staff;
  audit: Audit;
  approvals: Approvals;
  /** Finding buyers (and their orders) by chat id, @username, target — the staff `order` look-up. */
  users: UserLookup;
  suppliers: Suppliers;
  withdrawals: Withdrawals;
  /** A user's withdrawal: the hold, then the staff decision (core/flows/request-withdrawal.flow.ts). */
  requestWithdrawal: ReturnType<typeof requestWithdrawalFlow>;
  /** A user cancels their withdrawal: the hold released, its request out of the staff queue. */
  cancelWithdrawal: ReturnType<typeof cancelWithdrawalFlow>;
  alerts: Alerts;
  reports: Reports;
  /** The staff bot's operations commands (reports, money, ledger, alerts, suppliers, catalog). */
  ops: OpsDeps & { timeZone: string };
}

/** The container parts the staff console is built from (its checks, run by the workers, need the same). */
export type StaffConsoleContainer = Pick<
  Container,
  | "db"
  | "clock"
  | "secrets"
  | "orders"
  | "config"
  | "ledger"
  | "payoutProviderSecret"
  | "catalog"
  | "suppliers"
  | "inventory"
  | "kyc"
  | "distribution"
  | "riskReview"
>;

export function createStaffConsole(c: StaffConsoleContainer, opts: { payouts?: PayoutProvider } = {}): StaffConsole {
  const audit = createAudit({ sql: c.db.sql, clock: c.clock });
  const identity = createIdentity({ sql: c.db.sql, clock: c.clock, secrets: c.secrets });
  const staff = createStaff({ sql: c.db.sql, clock: c.clock, users: identity, audit });
  const refundOver = staffRefundOver(c.config.STAFF_APPROVAL_REFUND_OVER);
  const creditOver = staffRefundOver(c.config.STAFF_APPROVAL_CREDIT_OVER, "STAFF_APPROVAL_CREDIT_OVER");
  const withdrawals = createWithdrawalsFor(c, audit, opts.payouts);
  // The withdrawal action reaches approvals (a second step), which holds the action: read lazily.
  const approvals: Approvals = createApprovals({
    sql: c.db.sql,
    clock: c.clock,
    audit,
    ttlMs: c.config.STAFF_APPROVAL_TTL_HOURS * 3_600_000,
    // Every action that may need a second person, registered once by name.
    actions: [
      refundOrderAction({ orders: c.orders, thresholds: refundOver }),
      refundOrdersAction({
        orders: c.orders,
        thresholds: refundOver,
        maxCount: c.config.STAFF_APPROVAL_BULK_REFUND_COUNT,
      }),
      staffChangeAction({ staff, twoPersonRoles: c.config.STAFF_APPROVAL_ROLES }),
      withdrawalPayAction({
        withdrawals,
        approvals: () => approvals,
        thresholds: currencyAmounts("WITHDRAWAL_APPROVAL_OVER", c.config.WITHDRAWAL_APPROVAL_OVER),
      }),
      walletAdjustAction({ ledger: c.ledger, users: identity, thresholds: creditOver }),
      productPriceAction({ catalog: c.catalog, maxPercent: c.config.STAFF_APPROVAL_PRICE_CHANGE_PERCENT }),
      // Verifying a second account with one ID number: always two people (docs/kyc.md).
      kycOverrideAction({ kyc: c.kyc }),
      // Releasing a held order above RISK_RELEASE_APPROVAL_OVER: two people (docs/risk.md).
      riskReleaseAction({ orders: c.orders, riskReview: c.riskReview }),
    ],
  });
  const users = createUserLookup({ identity, orders: c.orders, ledger: c.ledger, walletCode, catalog: c.catalog });
  const alerts = createAlerts({
    sql: c.db.sql,
    clock: c.clock,
    renotifyMs: c.config.STAFF_ALERT_RENOTIFY_MINUTES * 60_000,
  });
  const timeZone = c.config.DEFAULT_TIME_ZONE;
  const reports = createReports({ figures: sqlReportFigures(c.db.sql), clock: c.clock, timeZone });
  const ops = {
    reports,
    ledger: c.ledger,
    alerts,
    suppliers: c.suppliers,
    catalog: c.catalog,
    inventory: c.inventory,
    approvals,
    async unitsSold(_ctx: CoreContext, productId: string, days: number) {
      const since = new Date(c.clock.now().getTime() - days * 86_400_000);
      const rows = await c.db.sql.query<{ product_id: string; units: number }>(unitsSoldSinceSql(since, productId));
      return rows[0]?.units ?? 0;
    },
    // Asked after the command's own check (wallet.read…): the platform looks the user up on their behalf.
    users: { findUser: (ctx: CoreContext, id: string) => identity.findUser(delegate(ctx, "staff-console.user"), id) },
    timeZone,
  };
  return {
    staff,
    audit,
    approvals,
    users,
    suppliers: c.suppliers,
    withdrawals,
    requestWithdrawal: requestWithdrawalFlow({ withdrawals, approvals }),
    cancelWithdrawal: cancelWithdrawalFlow({ withdrawals, approvals }),
    alerts,
    reports,
    ops,
  };
}
