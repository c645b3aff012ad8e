import { rowMap, selectList, sql } from "../shared/index.ts";
import type { ApprovalRequest } from "./approvals.types.ts";

/** Every statement of core/approvals (table approval_requests). */

export const APPROVAL_ROW = rowMap<ApprovalRequest>("approval_requests", {
  id: { column: "id", cast: "text" },
  action: { column: "action" },
  payload: { column: "payload" },
  summary: { column: "summary" },
  reason: { column: "reason" },
  targetType: { column: "target_type" },
  targetId: { column: "target_id" },
  requestedBy: { column: "requested_by", cast: "text" },
  requestedByLabel: { column: "requested_by_label" },
  status: { column: "status" },
  decidedBy: { column: "decided_by", cast: "text" },
  decidedAt: { column: "decided_at" },
  note: { column: "note" },
  result: { column: "result" },
  error: { column: "error" },
  expiresAt: { column: "expires_at" },
  createdAt: { column: "created_at" },
  executedAt: { column: "executed_at" },
});
const COLUMNS = selectList(APPROVAL_ROW, "r");

export const insertRequestSql = (r: ApprovalRequest) => sql`
  INSERT INTO approval_requests AS r (id, action, payload, summary, reason, target_type, target_id, requested_by,
                                      requested_by_label, status, expires_at, created_at)
  VALUES (${r.id}::uuid, ${r.action}::text, ${JSON.stringify(r.payload)}::jsonb, ${r.summary}::text, ${r.reason}::text,
          ${r.targetType}::text, ${r.targetId}::text, ${r.requestedBy}::uuid, ${r.requestedByLabel}::text,
          'PENDING', ${r.expiresAt}::timestamptz, ${r.createdAt}::timestamptz)
  RETURNING ${COLUMNS}`;

export const requestSql = (id: string) => sql`SELECT ${COLUMNS} FROM approval_requests r WHERE r.id = ${id}::uuid`;

export const pendingSql = (now: Date, limit: number) => sql`
  SELECT ${COLUMNS} FROM approval_requests r WHERE r.status = 'PENDING' AND r.expires_at > ${now}::timestamptz
  ORDER BY r.created_at LIMIT ${limit}::int`;

/**
 * The decision: only a PENDING, unexpired request moves, and only once — of any number of racing calls,
 * exactly one gets the row back (and so executes the action).
 */
export const decideSql = (id: string, to: "APPROVED" | "REJECTED", by: string, note: string | null, now: Date) => sql`
  UPDATE approval_requests AS r SET status = ${to}::text, decided_by = ${by}::uuid, decided_at = ${now}::timestamptz,
         note = ${note}::text
  WHERE r.id = ${id}::uuid AND r.status = 'PENDING' AND r.expires_at > ${now}::timestamptz
  RETURNING ${COLUMNS}`;

export const finishSql = (
  id: string,
  to: "EXECUTED" | "FAILED",
  result: unknown,
  error: string | null,
  now: Date,
) => sql`
  UPDATE approval_requests AS r SET status = ${to}::text, result = ${result === undefined ? null : JSON.stringify(result)}::jsonb,
         error = ${error}::text, executed_at = ${now}::timestamptz
  WHERE r.id = ${id}::uuid AND r.status = 'APPROVED'
  RETURNING ${COLUMNS}`;

/** The asker takes a waiting request back (expired or not): only a PENDING one moves. */
export const withdrawSql = (id: string, note: string | null, now: Date) => sql`
  UPDATE approval_requests AS r SET status = 'WITHDRAWN', decided_at = ${now}::timestamptz, note = ${note}::text
  WHERE r.id = ${id}::uuid AND r.status = 'PENDING'
  RETURNING ${COLUMNS}`;

export const expireDueSql = (now: Date, limit: number) => sql`
  UPDATE approval_requests AS r SET status = 'EXPIRED'
  WHERE r.id IN (SELECT id FROM approval_requests WHERE status = 'PENDING' AND expires_at <= ${now}::timestamptz
                 ORDER BY expires_at LIMIT ${limit}::int FOR UPDATE SKIP LOCKED)
    AND r.status = 'PENDING'
  RETURNING ${COLUMNS}`;

export const expireOneSql = (id: string, now: Date) => sql`
  UPDATE approval_requests AS r SET status = 'EXPIRED'
  WHERE r.id = ${id}::uuid AND r.status = 'PENDING' AND r.expires_at <= ${now}::timestamptz
  RETURNING ${COLUMNS}`;
