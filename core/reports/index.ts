import { withAccess } from "../shared/index.ts";
import { reportsAccess } from "./reports.access.ts";
import { createReports as createUncheckedReports, type ReportsDeps } from "./reports.service.ts";
import type { Reports } from "./reports.types.ts";

export type { ReportsDeps };
export * from "./reports.types.ts";
export { periodRange, startOfDay, REPORT_PERIODS, type ReportPeriod } from "./day-range.ts";
/** The staff reports, every call checked against its actor (reports.access.ts). */
export const createReports = (deps: ReportsDeps): Reports =>
  withAccess("reports", createUncheckedReports(deps), reportsAccess);
