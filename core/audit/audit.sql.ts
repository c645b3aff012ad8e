import { rowMap, selectList, sql } from "../shared/index.ts";
import type { AuditEntry } from "./audit.types.ts";

/** Every statement of core/audit (tables audit_log, audit_head). */

export const AUDIT_ROW = rowMap<AuditEntry>("audit_log", {
  seq: { column: "seq" },
  at: { column: "at" },
  actor: { column: "actor" },
  actorKind: { column: "actor_kind" },
  actorUserId: { column: "actor_user_id", cast: "text" },
  role: { column: "role" },
  channel: { column: "channel" },
  action: { column: "action" },
  outcome: { column: "outcome" },
  targetType: { column: "target_type" },
  targetId: { column: "target_id" },
  details: { column: "details" },
  requestId: { column: "request_id" },
  approvalId: { column: "approval_id", cast: "text" },
  prevHash: { column: "prev_hash" },
  hash: { column: "hash" },
});
const COLUMNS = selectList(AUDIT_ROW, "a");

/** The chain's head, locked until the appending transaction ends: appends queue here, one chain. */
export const lockHeadSql = () => sql`SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`;

export const readHeadSql = () => sql`SELECT seq, hash FROM audit_head WHERE id = 1`;

export const insertEntrySql = (e: AuditEntry) => sql`
  INSERT INTO audit_log (seq, at, actor, actor_kind, actor_user_id, role, channel, action, outcome, target_type,
                         target_id, details, request_id, approval_id, prev_hash, hash)
  VALUES (${e.seq}::int8, ${e.at}::timestamptz, ${e.actor}::text, ${e.actorKind}::text, ${e.actorUserId}::uuid,
          ${e.role}::text, ${e.channel}::text, ${e.action}::text, ${e.outcome}::text, ${e.targetType}::text,
          ${e.targetId}::text, ${JSON.stringify(e.details)}::jsonb, ${e.requestId}::text, ${e.approvalId}::uuid,
          ${e.prevHash}::text, ${e.hash}::text)`;

export const moveHeadSql = (seq: bigint, hash: string) =>
  sql`UPDATE audit_head SET seq = ${seq}::int8, hash = ${hash}::text WHERE id = 1`;

/** A page of the chain in order, after `afterSeq`. */
export const chainPageSql = (afterSeq: bigint, limit: number) =>
  sql`SELECT ${COLUMNS} FROM audit_log a WHERE a.seq > ${afterSeq}::int8 ORDER BY a.seq LIMIT ${limit}::int`;

export const trailByTargetSql = (targetType: string, targetId: string, limit: number) => sql`
  SELECT ${COLUMNS} FROM audit_log a WHERE a.target_type = ${targetType}::text AND a.target_id = ${targetId}::text
  ORDER BY a.seq DESC LIMIT ${limit}::int`;

export const trailByActorSql = (userId: string, limit: number) => sql`
  SELECT ${COLUMNS} FROM audit_log a WHERE a.actor_user_id = ${userId}::uuid ORDER BY a.seq DESC LIMIT ${limit}::int`;

export const recentSql = (limit: number) =>
  sql`SELECT ${COLUMNS} FROM audit_log a ORDER BY a.seq DESC LIMIT ${limit}::int`;
