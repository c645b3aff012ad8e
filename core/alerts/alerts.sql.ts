import { rowMap, selectList, sql } from "../shared/index.ts";
import type { Alert, AlertSignal } from "./alerts.types.ts";

/** Every statement of core/alerts (table staff_alerts). */

export const ALERT_ROW = rowMap<Alert>("staff_alerts", {
  id: { column: "id", cast: "text" },
  subject: { column: "subject" },
  kind: { column: "kind" },
  severity: { column: "severity" },
  status: { column: "status" },
  details: { column: "details" },
  openedAt: { column: "opened_at" },
  lastSeenAt: { column: "last_seen_at" },
  lastNotifiedAt: { column: "last_notified_at" },
  notifiedCount: { column: "notified_count" },
  resolvedAt: { column: "resolved_at" },
});
const COLUMNS = selectList(ALERT_ROW, "a");

/**
 * Opens the subject's alert, or re-notifies the open one when it was last notified at or before
 * `notifyBefore`. Returns the row (with `inserted`) only when the staff channel is to hear of it: when the
 * open alert was notified recently the conflict's WHERE fails and nothing is returned. Concurrent raises of
 * one subject meet on the partial unique index; the conflicting row is locked and the WHERE re-read, so
 * exactly one of them notifies.
 */
export const raiseSql = (id: string, s: AlertSignal, now: Date, notifyBefore: Date) => sql`
  INSERT INTO staff_alerts AS a (id, subject, kind, severity, status, details, opened_at, last_seen_at, last_notified_at)
  VALUES (${id}::uuid, ${s.subject}::text, ${s.kind}::text, ${s.severity}::text, 'OPEN', ${JSON.stringify(s.details)}::jsonb,
          ${now}::timestamptz, ${now}::timestamptz, ${now}::timestamptz)
  ON CONFLICT (subject) WHERE status = 'OPEN' DO UPDATE
    SET last_notified_at = EXCLUDED.last_seen_at, last_seen_at = EXCLUDED.last_seen_at,
        notified_count = a.notified_count + 1, details = EXCLUDED.details, severity = EXCLUDED.severity
    WHERE a.last_notified_at <= ${notifyBefore}::timestamptz
  RETURNING ${COLUMNS}, (a.xmax = 0) AS inserted`;

/** The open alert still holds but was notified recently: only its figures and last-seen time move. */
export const touchSql = (s: AlertSignal, now: Date) => sql`
  UPDATE staff_alerts a SET last_seen_at = ${now}::timestamptz, details = ${JSON.stringify(s.details)}::jsonb
  WHERE a.subject = ${s.subject}::text AND a.status = 'OPEN'`;

export const resolveSql = (subject: string, now: Date) => sql`
  UPDATE staff_alerts a SET status = 'RESOLVED', resolved_at = ${now}::timestamptz
  WHERE a.subject = ${subject}::text AND a.status = 'OPEN'
  RETURNING ${COLUMNS}`;

/** Open alerts of a kind (under a subject prefix) whose subject is not among `firing`. */
export const staleSubjectsSql = (kind: string, firing: string[], scope: string) => sql`
  SELECT a.subject FROM staff_alerts a
  WHERE a.status = 'OPEN' AND a.kind = ${kind}::text AND starts_with(a.subject, ${scope}::text)
    AND NOT (a.subject = ANY(${firing}::text[]))`;

export const openSql = (limit: number) => sql`
  SELECT ${COLUMNS} FROM staff_alerts a WHERE a.status = 'OPEN' ORDER BY a.opened_at, a.id LIMIT ${limit}::int`;
