import {
  describeActor,
  invalidData,
  toJson,
  type Actor,
  type Clock,
  type CoreContext,
  type SqlRunner,
  type SqlTxOptions,
} from "../shared/index.ts";
import { appendEntries, createGroupAppender } from "./audit-appender.ts";
import { contentAroundSeq, entryHash, GENESIS_HASH } from "./audit-hash.ts";
import { chainPageSql, readHeadSql, recentSql, trailByActorSql, trailByTargetSql } from "./audit.sql.ts";
import { AUDIT_OUTCOMES, type AuditEntry, type AuditInput, type VerifyResult } from "./audit.types.ts";

export interface AuditDeps {
  sql: SqlRunner;
  clock: Clock;
}

export type TrailQuery = { targetType: string; targetId: string } | { actorUserId: string } | { recent: true };

export interface Audit {
  /**
   * Appends one entry to the chain, in the caller's transaction when given (then the chain's head stays
   * locked until it ends: keep such transactions short). The actor, channel and request id are the context's.
   */
  record(ctx: CoreContext, input: AuditInput, opts?: SqlTxOptions): Promise<AuditEntry>;
  /** Walks the whole chain and names the first row that does not hold. */
  verify(ctx: CoreContext, opts?: { pageSize?: number }): Promise<VerifyResult>;
  /** The newest entries about a target, by an actor, or of everyone. */
  trail(ctx: CoreContext, query: TrailQuery, opts?: { limit?: number }): Promise<AuditEntry[]>;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Who acted: a delegated call is recorded as the person it acts for (the label keeps the process too). */
function principal(actor: Actor): { userId: string | null; role: string | null } {
  const who = actor.kind === "system" && actor.onBehalfOf ? actor.onBehalfOf : actor;
  switch (who.kind) {
    case "staff":
      return { userId: who.userId, role: who.role };
    case "buyer":
    case "distributor":
      return { userId: who.userId, role: null };
    default:
      return { userId: null, role: null };
  }
}

function checkInput(input: AuditInput): void {
  if (!input.action || input.action.length > 128) throw invalidData("invalid_audit_action", "action is required");
  if (!(AUDIT_OUTCOMES as readonly string[]).includes(input.outcome))
    throw invalidData("invalid_audit_outcome", `outcome must be one of ${AUDIT_OUTCOMES.join(", ")}`);
  if (input.approvalId !== undefined && !UUID_RE.test(input.approvalId))
    throw invalidData("invalid_approval_id", "approvalId must be a UUID");
}

export function createAudit({ sql, clock }: AuditDeps): Audit {
  const appendGrouped = createGroupAppender(sql);
  return {
    async record(ctx, input, opts) {
      checkInput(input);
      const who = principal(ctx.actor);
      const e: Omit<AuditEntry, "seq" | "prevHash" | "hash"> = {
        at: clock.now(),
        actor: describeActor(ctx.actor),
        actorKind: ctx.actor.kind,
        actorUserId: who.userId,
        role: who.role,
        channel: ctx.channel,
        action: input.action,
        outcome: input.outcome,
        targetType: input.targetType ?? null,
        targetId: input.targetId ?? null,
        details: (toJson(input.details ?? {}) ?? {}) as Record<string, unknown>,
        requestId: ctx.requestId,
        approvalId: input.approvalId?.toLowerCase() ?? null,
      };
      const { before, after } = contentAroundSeq(e);
      const row = { before: `\n${before}`, after, e };
      // In the caller's transaction the row commits (or rolls back) with it; alone, it joins the next group.
      const appended = opts?.tx ? (await appendEntries(opts.tx, [row]))[0]! : await appendGrouped(row);
      return { ...e, ...appended };
    },

    async verify(_ctx, opts) {
      const pageSize = opts?.pageSize ?? 1000;
      let expectedSeq = 1n;
      let prevHash = GENESIS_HASH;
      let rows = 0;
      for (;;) {
        const page = await sql.query<AuditEntry>(chainPageSql(expectedSeq - 1n, pageSize));
        for (const row of page) {
          if (row.seq !== expectedSeq) return { ok: false, seq: expectedSeq, problem: "missing_row", rows };
          if (row.prevHash !== prevHash) return { ok: false, seq: row.seq, problem: "broken_link", rows };
          const { hash, ...unhashed } = row;
          if (entryHash(unhashed) !== hash) return { ok: false, seq: row.seq, problem: "hash_mismatch", rows };
          prevHash = hash;
          expectedSeq++;
          rows++;
        }
        if (page.length < pageSize) break;
      }
      const [head] = await sql.query<{ seq: bigint; hash: string }>(readHeadSql());
      // Rows cut off the end leave the head ahead of the last row; a head rewound to match is a missing tail
      // that only an outside copy of the head (a monitoring job noting it) would reveal.
      if (!head || head.seq !== expectedSeq - 1n || head.hash !== prevHash)
        return { ok: false, seq: expectedSeq, problem: "head_mismatch", rows };
      return { ok: true, rows, headSeq: head.seq };
    },

    async trail(_ctx, query, opts) {
      const limit = Math.min(Math.max(opts?.limit ?? 20, 1), 500);
      if ("recent" in query) return sql.query<AuditEntry>(recentSql(limit));
      if ("actorUserId" in query) {
        if (!UUID_RE.test(query.actorUserId)) return [];
        return sql.query<AuditEntry>(trailByActorSql(query.actorUserId, limit));
      }
      return sql.query<AuditEntry>(trailByTargetSql(query.targetType, query.targetId, limit));
    },
  };
}
