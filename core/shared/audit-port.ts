import type { CoreContext } from "./context.ts";
import type { SqlTx } from "./sql.ts";

/**
 * The audit trail as a core module writes to it: core/audit's `record`, narrowed to what the module passes,
 * optionally in the caller's transaction. The composition root hands each module core/audit.
 */
export interface AuditRecordPort {
  record(
    ctx: CoreContext,
    entry: {
      action: string;
      outcome: "ok" | "refused" | "failed";
      targetType?: string;
      targetId?: string;
      details?: Record<string, unknown>;
      /** The approved request this action carries out (core/approvals). */
      approvalId?: string;
    },
    opts?: { tx?: SqlTx },
  ): Promise<unknown>;
}
