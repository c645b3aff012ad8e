import type { z } from "zod";
import type { CoreContext, Permission } from "../shared/index.ts";

export const APPROVAL_STATUSES = [
  "PENDING",
  "APPROVED",
  "EXECUTED",
  "FAILED",
  "REJECTED",
  "EXPIRED",
  "WITHDRAWN",
] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/**
 * An action staff can take that may need a second person: registered once by name (with its payload's
 * schema and its executor), then every request for it goes through the same approval machinery.
 */
export interface ReviewableAction<P = unknown> {
  /** e.g. `orders.refund`, `wallet.credit`, later `withdrawals.pay`, `kyc.override`. */
  name: string;
  /** Needed both to ask for the action and to approve it. */
  permission: Permission;
  schema: z.ZodType<P>;
  /** Whether this payload needs a second person (its amount over the configured threshold…). */
  needsApproval(ctx: CoreContext, payload: P): Promise<boolean>;
  /** One line for the people deciding ("refund order … ¥120.00 to …"). */
  describe(ctx: CoreContext, payload: P): Promise<string>;
  /**
   * Refuses a request that could not be carried out anyway (an order in a state the action cannot change…),
   * before anyone is asked to approve it: throw a DomainError with a specific code.
   */
  precheck?(ctx: CoreContext, payload: P): Promise<void>;
  /** What the action is about, for the audit trail (`order`/<id>). */
  target(payload: P): { type: string; id: string };
  /**
   * Does it, as `ctx` (the approver, or the requester when no approval was needed). Called at most once
   * per approved request; `idempotencyKey` is the request's, for executors that dedupe themselves.
   * Returns what happened (JSON).
   */
  execute(
    ctx: CoreContext,
    payload: P,
    meta: { approvalId: string | null; idempotencyKey: string; reason: string },
  ): Promise<unknown>;
  /**
   * Optional: runs once a request for it is rejected or expires (after that is recorded), to undo what
   * asking reserved (a withdrawal's hold). Must be idempotent; a failure is logged in the audit, not thrown.
   */
  onClosed?(
    ctx: CoreContext,
    payload: P,
    meta: { approvalId: string; outcome: "rejected" | "expired"; note: string | null },
  ): Promise<void>;
}

/** An action of any payload type, as the registry holds it (`defineAction` makes one). */
export type AnyReviewableAction = ReviewableAction<unknown> & { readonly __defined: true };

/** Registers an action with its own payload type (the registry checks payloads with its schema first). */
export const defineAction = <P>(action: ReviewableAction<P>): AnyReviewableAction =>
  action as unknown as AnyReviewableAction;

export interface ApprovalRequest {
  id: string;
  action: string;
  payload: unknown;
  summary: string;
  reason: string;
  targetType: string | null;
  targetId: string | null;
  requestedBy: string | null;
  requestedByLabel: string;
  status: ApprovalStatus;
  decidedBy: string | null;
  decidedAt: Date | null;
  note: string | null;
  result: unknown;
  error: string | null;
  expiresAt: Date;
  createdAt: Date;
  executedAt: Date | null;
}

export type SubmitResult =
  | { status: "executed"; result: unknown }
  | { status: "pending"; request: ApprovalRequest }
  | { status: "failed"; error: string };

export type DecideRefusal =
  | { ok: false; code: "own_request"; request: ApprovalRequest }
  | { ok: false; code: "already_decided"; request: ApprovalRequest }
  | { ok: false; code: "expired"; request: ApprovalRequest };

export type ApproveResult =
  | { ok: true; request: ApprovalRequest; result: unknown }
  | { ok: false; code: "execution_failed"; request: ApprovalRequest; error: string }
  | DecideRefusal;

export type RejectResult = { ok: true; request: ApprovalRequest } | DecideRefusal;
