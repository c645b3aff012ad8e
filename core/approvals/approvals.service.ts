import {
  authorize,
  describeActor,
  forbidden,
  invalidData,
  isDomainError,
  newId,
  notFound,
  toJson,
  type Clock,
  type CoreContext,
  type SqlRunner,
  type SqlTx,
} from "../shared/index.ts";
import {
  decideSql,
  expireDueSql,
  expireOneSql,
  finishSql,
  insertRequestSql,
  pendingSql,
  requestSql,
  withdrawSql,
} from "./approvals.sql.ts";
import type {
  AnyReviewableAction,
  ApprovalRequest,
  ApproveResult,
  RejectResult,
  ReviewableAction,
  SubmitResult,
} from "./approvals.types.ts";

/** The audit trail, as approvals use it (core/audit's `record`). */
export interface ApprovalsAuditPort {
  record(
    ctx: CoreContext,
    entry: {
      action: string;
      outcome: "ok" | "refused" | "failed" | "requested" | "approved" | "rejected" | "expired";
      targetType?: string;
      targetId?: string;
      details?: Record<string, unknown>;
      approvalId?: string;
    },
    opts?: { tx?: SqlTx },
  ): Promise<unknown>;
}

export interface ApprovalsDeps {
  sql: SqlRunner;
  clock: Clock;
  audit: ApprovalsAuditPort;
  /** The actions staff can ask for, by name (each with its schema, threshold and executor). */
  actions: readonly AnyReviewableAction[];
  /** How long a request waits for a decision (default 24 h). */
  ttlMs?: number;
}

export interface Approvals {
  /**
   * Asks for an action: done at once when under its threshold, otherwise an approval request that a second
   * staff member decides. The asker needs the action's permission.
   */
  submit(ctx: CoreContext, input: { action: string; payload: unknown; reason: string }): Promise<SubmitResult>;
  /** A second staff member with the action's permission approves: the action then executes exactly once. */
  approve(ctx: CoreContext, input: { requestId: string; note?: string }): Promise<ApproveResult>;
  /** A staff member with the action's permission (the asker too: withdrawing it) rejects. */
  reject(ctx: CoreContext, input: { requestId: string; note?: string }): Promise<RejectResult>;
  /**
   * The asker takes a waiting request back (the platform for a user's request: a cancelled withdrawal);
   * it leaves the queue and can no longer be approved. Nothing is undone here (`onClosed` is not run):
   * the caller already gave back what asking reserved. `changed: false` when it was no longer waiting.
   */
  withdraw(
    ctx: CoreContext,
    input: { requestId: string; note?: string },
  ): Promise<{ changed: boolean; request: ApprovalRequest }>;
  get(ctx: CoreContext, requestId: string): Promise<ApprovalRequest>;
  /** Requests still waiting, oldest first. */
  pending(ctx: CoreContext, opts?: { limit?: number }): Promise<ApprovalRequest[]>;
  /** Marks requests past their expiry as EXPIRED (a sweeper); returns them. */
  expireDue(ctx: CoreContext, opts?: { limit?: number }): Promise<ApprovalRequest[]>;
  /** The registered action names. */
  actionNames(): string[];
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_REASON = 500;

function errorText(e: unknown): string {
  if (isDomainError(e)) return `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

/** The person (a staff member) behind a context, or null for the platform and customers. */
const staffUserId = (ctx: CoreContext): string | null => (ctx.actor.kind === "staff" ? ctx.actor.userId : null);

export function createApprovals({ sql, clock, audit, actions, ttlMs = 24 * 3_600_000 }: ApprovalsDeps): Approvals {
  const registry = new Map<string, ReviewableAction<unknown>>();
  for (const a of actions) {
    if (registry.has(a.name)) throw new Error(`reviewable action ${a.name} is registered twice`);
    registry.set(a.name, a);
  }

  /** Audits a refusal, then throws it: nothing else is written. */
  async function refuse(
    ctx: CoreContext,
    action: string,
    e: Error & { code?: string },
    extra: Record<string, unknown> = {},
    about?: ApprovalRequest,
  ): Promise<never> {
    await audit.record(ctx, {
      action,
      outcome: "refused",
      details: { code: e.code ?? "error", message: e.message, ...extra },
      ...(about ? { approvalId: about.id, ...target(about) } : {}),
    });
    throw e;
  }

  function checkPermission(ctx: CoreContext, def: ReviewableAction<unknown>): Error | null {
    try {
      authorize(ctx, def.permission);
      return null;
    } catch (e) {
      return e as Error;
    }
  }

  async function load(ctx: CoreContext, what: string, requestId: string) {
    const row = UUID_RE.test(requestId) ? (await sql.query<ApprovalRequest>(requestSql(requestId)))[0] : undefined;
    if (!row) return refuse(ctx, what, notFound("approval_not_found", "no such approval request", { requestId }));
    const def = registry.get(row.action);
    if (!def) throw new Error(`approval ${row.id} is for ${row.action}, which is no longer registered`);
    return { row, def };
  }

  /** Why a decision could not be taken: the request's own state says which (expiring it on the way). */
  async function refusal(
    ctx: CoreContext,
    what: string,
    row: ApprovalRequest,
  ): Promise<Exclude<RejectResult, { ok: true }>> {
    let current = (await sql.query<ApprovalRequest>(requestSql(row.id)))[0] ?? row;
    let code: "expired" | "already_decided" = "already_decided";
    if (current.status === "PENDING" || current.status === "EXPIRED") {
      const [expired] = await sql.query<ApprovalRequest>(expireOneSql(row.id, clock.now()));
      if (expired) {
        current = expired;
        await audit.record(ctx, {
          action: current.action,
          outcome: "expired",
          approvalId: current.id,
          ...target(current),
        });
        await closed(ctx, current, "expired");
      }
      if (current.status === "EXPIRED") code = "expired";
    }
    await audit.record(ctx, {
      action: what,
      outcome: "refused",
      approvalId: row.id,
      ...target(row),
      details: { code, status: current.status },
    });
    return { ok: false, code, request: current };
  }

  const target = (r: ApprovalRequest) =>
    r.targetType && r.targetId ? { targetType: r.targetType, targetId: r.targetId } : {};

  /** The action's own clean-up after a rejection or an expiry (its failure is audited, never thrown). */
  async function closed(ctx: CoreContext, r: ApprovalRequest, outcome: "rejected" | "expired") {
    const def = registry.get(r.action);
    if (!def?.onClosed) return;
    try {
      await def.onClosed(ctx, r.payload, { approvalId: r.id, outcome, note: r.note });
    } catch (e) {
      await audit.record(ctx, {
        action: `${r.action}.closed`,
        outcome: "failed",
        approvalId: r.id,
        ...target(r),
        details: { outcome, error: errorText(e) },
      });
    }
  }

  async function execute(
    ctx: CoreContext,
    def: ReviewableAction<unknown>,
    payload: unknown,
    approvalId: string | null,
    reason: string,
  ) {
    return def.execute(ctx, payload, {
      approvalId,
      reason,
      idempotencyKey: approvalId ? `approval:${approvalId}` : `${def.name}:${ctx.requestId}`,
    });
  }

  return {
    actionNames: () => [...registry.keys()],

    async submit(ctx, input) {
      const what = `${input.action}.submit`;
      const def = registry.get(input.action);
      if (!def)
        return refuse(ctx, what, invalidData("unknown_action", `no reviewable action ${JSON.stringify(input.action)}`));
      const denied = checkPermission(ctx, def);
      if (denied) return refuse(ctx, what, denied);
      const parsed = def.schema.safeParse(input.payload);
      if (!parsed.success)
        return refuse(
          ctx,
          what,
          invalidData(
            "invalid_payload",
            `the ${def.name} request is not valid: ${parsed.error.issues.map((i) => `${i.path.join(".") || "payload"}: ${i.message}`).join("; ")}`,
          ),
        );
      const reason = input.reason.trim();
      if (reason.length < 3 || reason.length > MAX_REASON)
        return refuse(ctx, what, invalidData("invalid_reason", `say why in 3–${MAX_REASON} characters`));
      const payload = parsed.data;
      if (def.precheck) {
        try {
          await def.precheck(ctx, payload);
        } catch (e) {
          await audit.record(ctx, {
            action: what,
            outcome: "refused",
            targetType: def.target(payload).type,
            targetId: def.target(payload).id,
            details: { code: (e as { code?: string }).code ?? "error", message: (e as Error).message, payload },
          });
          throw e;
        }
      }
      const tgt = def.target(payload);
      if (!(await def.needsApproval(ctx, payload))) {
        try {
          const result = toJson(await execute(ctx, def, payload, null, reason));
          await audit.record(ctx, {
            action: def.name,
            outcome: "ok",
            targetType: tgt.type,
            targetId: tgt.id,
            details: { payload, reason, result },
          });
          return { status: "executed", result };
        } catch (e) {
          await audit.record(ctx, {
            action: def.name,
            outcome: "failed",
            targetType: tgt.type,
            targetId: tgt.id,
            details: { payload, reason, error: errorText(e) },
          });
          if (isDomainError(e) && (e.type === "forbidden" || e.type === "not_found" || e.type === "invalid_data"))
            throw e;
          return { status: "failed", error: errorText(e) };
        }
      }
      const now = clock.now();
      const summary = await def.describe(ctx, payload);
      return sql.transaction(async (tx) => {
        const [request] = await tx.query<ApprovalRequest>(
          insertRequestSql({
            id: newId(),
            action: def.name,
            payload: toJson(payload),
            summary,
            reason,
            targetType: tgt.type,
            targetId: tgt.id,
            requestedBy: staffUserId(ctx),
            requestedByLabel: describeActor(ctx.actor),
            status: "PENDING",
            decidedBy: null,
            decidedAt: null,
            note: null,
            result: null,
            error: null,
            expiresAt: new Date(now.getTime() + ttlMs),
            createdAt: now,
            executedAt: null,
          }),
        );
        await audit.record(
          ctx,
          {
            action: def.name,
            outcome: "requested",
            approvalId: request!.id,
            targetType: tgt.type,
            targetId: tgt.id,
            details: { payload, reason, summary, expiresAt: request!.expiresAt },
          },
          { tx },
        );
        return { status: "pending" as const, request: request! };
      });
    },

    async approve(ctx, input) {
      const what = "approvals.approve";
      const { row, def } = await load(ctx, what, input.requestId);
      const approver = staffUserId(ctx);
      if (!approver) return refuse(ctx, what, forbidden("staff_only", "only a staff member can approve"), {}, row);
      const denied = checkPermission(ctx, def);
      if (denied) return refuse(ctx, what, denied, {}, row);
      if (row.requestedBy === approver) {
        await audit.record(ctx, {
          action: what,
          outcome: "refused",
          approvalId: row.id,
          ...target(row),
          details: { code: "own_request" },
        });
        return { ok: false, code: "own_request", request: row };
      }
      const note = input.note?.trim().slice(0, MAX_REASON) || null;
      const approved = await sql.transaction(async (tx) => {
        const [won] = await tx.query<ApprovalRequest>(decideSql(row.id, "APPROVED", approver, note, clock.now()));
        if (won)
          await audit.record(
            ctx,
            { action: row.action, outcome: "approved", approvalId: row.id, ...target(row), details: { note } },
            { tx },
          );
        return won;
      });
      if (!approved) return refusal(ctx, what, row);
      // This call alone won the PENDING → APPROVED step: it alone executes.
      let result: unknown = null;
      let error: string | null = null;
      try {
        result = toJson(await execute(ctx, def, approved.payload, approved.id, approved.reason));
      } catch (e) {
        error = errorText(e);
      }
      return sql.transaction(async (tx) => {
        const failed = error !== null;
        const [done] = await tx.query<ApprovalRequest>(
          finishSql(approved.id, failed ? "FAILED" : "EXECUTED", failed ? undefined : result, error, clock.now()),
        );
        await audit.record(
          ctx,
          {
            action: row.action,
            outcome: failed ? "failed" : "ok",
            approvalId: row.id,
            ...target(row),
            details: failed ? { error } : { result },
          },
          { tx },
        );
        const request = done ?? approved;
        return error !== null
          ? { ok: false as const, code: "execution_failed" as const, request, error }
          : { ok: true as const, request, result };
      });
    },

    async reject(ctx, input) {
      const what = "approvals.reject";
      const { row, def } = await load(ctx, what, input.requestId);
      const by = staffUserId(ctx);
      if (!by) return refuse(ctx, what, forbidden("staff_only", "only a staff member can reject"), {}, row);
      const denied = checkPermission(ctx, def);
      if (denied) return refuse(ctx, what, denied, {}, row);
      const note = input.note?.trim().slice(0, MAX_REASON) || null;
      const rejected = await sql.transaction(async (tx) => {
        const [won] = await tx.query<ApprovalRequest>(decideSql(row.id, "REJECTED", by, note, clock.now()));
        if (won)
          await audit.record(
            ctx,
            { action: row.action, outcome: "rejected", approvalId: row.id, ...target(row), details: { note } },
            { tx },
          );
        return won;
      });
      if (!rejected) return refusal(ctx, what, row);
      await closed(ctx, rejected, "rejected");
      return { ok: true, request: rejected };
    },

    async withdraw(ctx, input) {
      const what = "approvals.withdraw";
      const { row } = await load(ctx, what, input.requestId);
      const by = staffUserId(ctx);
      const asker = ctx.actor.kind === "system" ? row.requestedBy === null : by !== null && by === row.requestedBy;
      if (!asker)
        return refuse(ctx, what, forbidden("not_the_asker", "only the asker can withdraw a request"), {}, row);
      const note = input.note?.trim().slice(0, MAX_REASON) || null;
      return sql.transaction(async (tx) => {
        const [won] = await tx.query<ApprovalRequest>(withdrawSql(row.id, note, clock.now()));
        if (!won) return { changed: false, request: row };
        await audit.record(
          ctx,
          { action: what, outcome: "ok", approvalId: row.id, ...target(row), details: { note } },
          { tx },
        );
        return { changed: true, request: won };
      });
    },

    async get(ctx, requestId) {
      return (await load(ctx, "approvals.get", requestId)).row;
    },

    pending: (_ctx, opts) => sql.query<ApprovalRequest>(pendingSql(clock.now(), Math.min(opts?.limit ?? 50, 500))),

    async expireDue(ctx, opts) {
      const expired = await sql.query<ApprovalRequest>(expireDueSql(clock.now(), opts?.limit ?? 500));
      for (const r of expired) {
        await audit.record(ctx, { action: r.action, outcome: "expired", approvalId: r.id, ...target(r) });
        await closed(ctx, r, "expired");
      }
      return expired;
    },
  };
}
