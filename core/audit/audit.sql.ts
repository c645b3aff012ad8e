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

export const readHeadSql = () => sql`SELECT seq, hash FROM audit_head WHERE id = 1`;

/** One entry to append, all but what the head decides (seq, prev_hash, hash), as text for the statement. */
export interface PendingEntry {
  /** The hashed content before and after its seq (audit-hash.ts `contentAroundSeq`); `before` starts with "\n". */
  before: string;
  after: string;
  e: Omit<AuditEntry, "seq" | "prevHash" | "hash">;
}

const col = <T>(rows: PendingEntry[], f: (p: PendingEntry) => T) => rows.map(f);

/**
 * Appends entries to the chain in one statement: locks the head, links each entry to the one before and
 * hashes it (SHA-256 over the previous hash, "\n" and the canonical content — the same bytes `entryHash`
 * hashes, checked again by `verify`), inserts them and moves the head. Without a surrounding transaction the
 * head's lock is held only while the server runs this statement and commits it: no client round trip.
 * Returns each entry's seq and hashes, in the given order.
 */
export const appendEntriesSql = (rows: PendingEntry[]) => sql`
  WITH RECURSIVE
  head AS (SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE),
  input AS (
    SELECT * FROM unnest(
      ${col(rows, (p) => p.before)}::text[], ${col(rows, (p) => p.after)}::text[],
      ${col(rows, (p) => p.e.at.toISOString())}::text[], ${col(rows, (p) => p.e.actor)}::text[],
      ${col(rows, (p) => p.e.actorKind)}::text[], ${col(rows, (p) => p.e.actorUserId)}::text[],
      ${col(rows, (p) => p.e.role)}::text[], ${col(rows, (p) => p.e.channel)}::text[],
      ${col(rows, (p) => p.e.action)}::text[], ${col(rows, (p) => p.e.outcome)}::text[],
      ${col(rows, (p) => p.e.targetType)}::text[], ${col(rows, (p) => p.e.targetId)}::text[],
      ${col(rows, (p) => JSON.stringify(p.e.details))}::text[], ${col(rows, (p) => p.e.requestId)}::text[],
      ${col(rows, (p) => p.e.approvalId)}::text[]
    ) WITH ORDINALITY AS i(before, after, at, actor, actor_kind, actor_user_id, role, channel, action, outcome,
                           target_type, target_id, details, request_id, approval_id, n)
  ),
  chain (n, seq, prev_hash, hash) AS (
    SELECT 0::int8, seq, NULL::text, hash FROM head
    UNION ALL
    SELECT i.n, c.seq + 1, c.hash,
           encode(sha256(convert_to(c.hash || i.before || (c.seq + 1)::text || i.after, 'UTF8')), 'hex')
    FROM chain c JOIN input i ON i.n = c.n + 1
  ),
  written AS (
    INSERT INTO audit_log (seq, at, actor, actor_kind, actor_user_id, role, channel, action, outcome, target_type,
                           target_id, details, request_id, approval_id, prev_hash, hash)
    SELECT c.seq, i.at::timestamptz, i.actor, i.actor_kind, i.actor_user_id::uuid, i.role, i.channel, i.action,
           i.outcome, i.target_type, i.target_id, i.details::jsonb, i.request_id, i.approval_id::uuid,
           c.prev_hash, c.hash
    FROM chain c JOIN input i ON i.n = c.n
    RETURNING seq, prev_hash, hash
  ),
  moved AS (
    UPDATE audit_head h SET seq = last.seq, hash = last.hash
    FROM (SELECT seq, hash FROM written ORDER BY seq DESC LIMIT 1) last
    WHERE h.id = 1
  )
  SELECT seq, prev_hash AS "prevHash", hash FROM written ORDER BY seq`;

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
