import { createApprovals, type Approvals } from "../core/approvals/index.ts";
import { createAudit, type Audit } from "../core/audit/index.ts";
import { kycOverrideAction } from "../core/flows/kyc-override.action.ts";
import { refundOrderAction } from "../core/flows/refund-order.action.ts";
import { requestWithdrawalFlow } from "../core/flows/request-withdrawal.flow.ts";
import { withdrawalPayAction } from "../core/flows/withdrawal-pay.action.ts";
import type { PayoutProvider, Withdrawals } from "../core/withdrawals/index.ts";
import { createIdentity } from "../core/identity/index.ts";
import { createStaff, type Staff } from "../core/staff/index.ts";
import { currencyAmounts, staffRefundOver } from "./config.ts";
import { createWithdrawalsFor } from "./withdrawals.ts";
import type { Container } from "./container.ts";

/** The operators' console's core modules, wired from the container (the CLI and the staff bot share them). */
export interface StaffConsole {
  staff: Staff;
  audit: Audit;
  approvals: Approvals;
  withdrawals: Withdrawals;
  /** A user's withdrawal: the hold, then the staff decision (core/flows/request-withdrawal.flow.ts). */
  requestWithdrawal: ReturnType<typeof requestWithdrawalFlow>;
}

export function createStaffConsole(
  c: Pick<Container, "db" | "clock" | "secrets" | "orders" | "config" | "ledger" | "payoutProviderSecret" | "kyc">,
  opts: { payouts?: PayoutProvider } = {},
): StaffConsole {
  const audit = createAudit({ sql: c.db.sql, clock: c.clock });
  const identity = createIdentity({ sql: c.db.sql, clock: c.clock, secrets: c.secrets });
  const staff = createStaff({ sql: c.db.sql, clock: c.clock, users: identity, audit });
  const refundOver = staffRefundOver(c.config.STAFF_APPROVAL_REFUND_OVER);
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
      withdrawalPayAction({
        withdrawals,
        approvals: () => approvals,
        thresholds: currencyAmounts("WITHDRAWAL_APPROVAL_OVER", c.config.WITHDRAWAL_APPROVAL_OVER),
      }),
      // Verifying a second account with one ID number: always two people (docs/kyc.md).
      kycOverrideAction({ kyc: c.kyc }),
    ],
  });
  return { staff, audit, approvals, withdrawals, requestWithdrawal: requestWithdrawalFlow({ withdrawals, approvals }) };
}
