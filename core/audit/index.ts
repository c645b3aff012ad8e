import { withAccess } from "../shared/index.ts";
import { auditAccess } from "./audit.access.ts";
import { createAudit as createUncheckedAudit, type Audit, type AuditDeps } from "./audit.service.ts";

export * from "./audit.types.ts";
export { canonicalJson, entryHash, GENESIS_HASH } from "./audit-hash.ts";
export { AUDIT_ROW } from "./audit.sql.ts";
export type { Audit, AuditDeps, TrailQuery } from "./audit.service.ts";
/** The audit trail, every call checked against its actor (audit.access.ts). */
export const createAudit = (deps: AuditDeps): Audit => withAccess("audit", createUncheckedAudit(deps), auditAccess);
