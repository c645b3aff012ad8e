/** What happened to a staff action: done, refused (no permission, not staff, bad input), or its approval steps. */
export const AUDIT_OUTCOMES = ["ok", "refused", "failed", "requested", "approved", "rejected", "expired"] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** One entry to append; who, from where and when come from the call's context and the clock. */
export interface AuditInput {
  /** The command or operation, e.g. `staff.add`, `orders.refund`, `bot.command`. */
  action: string;
  outcome: AuditOutcome;
  targetType?: string;
  targetId?: string;
  /** Before/after of what changed, the reason, the refusal's code… (JSON; bigints become strings). */
  details?: Record<string, unknown>;
  approvalId?: string;
}

export interface AuditEntry {
  seq: bigint;
  at: Date;
  /** `staff:finance:<id>`, `system:cli:123`, `visitor`, … (the whole actor, delegation included). */
  actor: string;
  actorKind: string;
  actorUserId: string | null;
  role: string | null;
  channel: string;
  action: string;
  outcome: string;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
  requestId: string;
  approvalId: string | null;
  prevHash: string;
  hash: string;
}

export type VerifyResult =
  | { ok: true; rows: number; headSeq: bigint }
  | {
      ok: false;
      /** The first row that does not hold: edited (hash), its link broken, missing (a gap), or the tail cut off. */
      seq: bigint;
      problem: "hash_mismatch" | "broken_link" | "missing_row" | "head_mismatch";
      rows: number;
    };
