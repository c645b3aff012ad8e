import { withAccess } from "../shared/index.ts";
import { riskAccess } from "./risk.access.ts";
import { createRisk as createUncheckedRisk, type Risk, type RiskDeps } from "./risk.service.ts";

export * from "./risk.types.ts";
export * from "./risk-conditions.ts";
export * from "./risk-counters.port.ts";
export { DEFAULT_RULES, type RuleSeed } from "./risk-default-rules.ts";
export { CASE_ROW, LIST_ROW, RULE_ROW } from "./risk.sql.ts";
export { thresholdsOf, type Risk, type RiskAuditPort, type RiskDeps } from "./risk.service.ts";
/** Risk decisions, rules, lists and cases, every call checked against its actor (risk.access.ts). */
export const createRisk = (deps: RiskDeps): Risk => withAccess("risk", createUncheckedRisk(deps), riskAccess);
