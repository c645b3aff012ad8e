import { withAccess } from "../shared/index.ts";
import { approvalsAccess } from "./approvals.access.ts";
import {
  createApprovals as createUncheckedApprovals,
  type Approvals,
  type ApprovalsDeps,
} from "./approvals.service.ts";

export * from "./approvals.types.ts";
export { APPROVAL_ROW } from "./approvals.sql.ts";
export type { Approvals, ApprovalsAuditPort, ApprovalsDeps } from "./approvals.service.ts";
/** Two-person approvals, every call checked against its actor (approvals.access.ts). */
export const createApprovals = (deps: ApprovalsDeps): Approvals =>
  withAccess("approvals", createUncheckedApprovals(deps), approvalsAccess);
