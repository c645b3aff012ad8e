import { rowMap, selectList, sql } from "../shared/index.ts";
import type { RiskCase, RiskCaseStatus, RiskListEntry, RiskRule } from "./risk.types.ts";

/** Every statement of core/risk (tables risk_rules, risk_rule_versions, risk_list_entries, risk_cases). */

export const RULE_ROW = rowMap<RiskRule>(
  "risk_rules",
  {
    id: { column: "id", cast: "text" },
    name: { column: "name" },
    description: { column: "description" },
    subject: { column: "subject" },
    action: { column: "action" },
    condition: { column: "condition" },
    enabled: { column: "enabled" },
    version: { column: "version" },
    updatedBy: { column: "updated_by" },
    updatedAt: { column: "updated_at" },
  },
  ["created_at"],
);
const RULE_COLUMNS = selectList(RULE_ROW, "r");

export const LIST_ROW = rowMap<RiskListEntry>(
  "risk_list_entries",
  {
    id: { column: "id", cast: "text" },
    list: { column: "list" },
    kind: { column: "kind" },
    value: { column: "value" },
    reason: { column: "reason" },
    author: { column: "author" },
    expiresAt: { column: "expires_at" },
    createdAt: { column: "created_at" },
  },
  ["removed_at"],
);
const LIST_COLUMNS = selectList(LIST_ROW, "l");

export const CASE_ROW = rowMap<RiskCase>("risk_cases", {
  id: { column: "id", cast: "text" },
  reference: { column: "reference" },
  subject: { column: "subject" },
  subjectId: { column: "subject_id" },
  userId: { column: "user_id", cast: "text" },
  outcome: { column: "outcome" },
  fired: { column: "fired" },
  signals: { column: "signals" },
  status: { column: "status" },
  decidedBy: { column: "decided_by" },
  decidedAt: { column: "decided_at" },
  note: { column: "note" },
  createdAt: { column: "created_at" },
});
const CASE_COLUMNS = selectList(CASE_ROW, "c");

export const rulesSql = () => sql`SELECT ${RULE_COLUMNS} FROM risk_rules r ORDER BY r.name`;
export const ruleByNameSql = (name: string) =>
  sql`SELECT ${RULE_COLUMNS} FROM risk_rules r WHERE r.name = ${name}::text FOR UPDATE`;

/** A shipped rule, created only when no rule of that name exists (staff edits are never overwritten). */
export const seedRuleSql = (r: Omit<RiskRule, "version">, now: Date) => sql`
  WITH ins AS (
    INSERT INTO risk_rules AS r (id, name, description, subject, action, condition, enabled, version, updated_by, created_at, updated_at)
    VALUES (${r.id}::uuid, ${r.name}::text, ${r.description}::text, ${r.subject}::text, ${r.action}::text,
            ${JSON.stringify(r.condition)}::jsonb, ${r.enabled}::boolean, 1, ${r.updatedBy}::text, ${now}::timestamptz, ${now}::timestamptz)
    ON CONFLICT (name) DO NOTHING
    RETURNING r.id, r.action, r.condition, r.enabled, r.updated_by
  )
  INSERT INTO risk_rule_versions (rule_id, version, action, condition, enabled, changed_by, changed_at)
  SELECT id, 1, action, condition, enabled, updated_by, ${now}::timestamptz FROM ins`;

/** Writes a rule's next version (the caller holds its row lock, or creates it) and keeps the version. */
export const saveRuleSql = (r: Omit<RiskRule, "updatedAt">, now: Date) => sql`
  WITH up AS (
    INSERT INTO risk_rules AS r (id, name, description, subject, action, condition, enabled, version, updated_by, created_at, updated_at)
    VALUES (${r.id}::uuid, ${r.name}::text, ${r.description}::text, ${r.subject}::text, ${r.action}::text,
            ${JSON.stringify(r.condition)}::jsonb, ${r.enabled}::boolean, ${r.version}::int, ${r.updatedBy}::text,
            ${now}::timestamptz, ${now}::timestamptz)
    ON CONFLICT (id) DO UPDATE SET description = EXCLUDED.description, subject = EXCLUDED.subject,
           action = EXCLUDED.action, condition = EXCLUDED.condition, enabled = EXCLUDED.enabled,
           version = EXCLUDED.version, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
    WHERE r.version = ${r.version - 1}::int
    RETURNING ${RULE_COLUMNS}
  ), v AS (
    INSERT INTO risk_rule_versions (rule_id, version, action, condition, enabled, changed_by, changed_at)
    SELECT id::uuid, version, action, condition, enabled, "updatedBy", ${now}::timestamptz FROM up
  )
  SELECT * FROM up`;

export const activeListSql = (now: Date) => sql`
  SELECT ${LIST_COLUMNS} FROM risk_list_entries l
  WHERE l.removed_at IS NULL AND (l.expires_at IS NULL OR l.expires_at > ${now}::timestamptz)
  ORDER BY l.created_at`;

export const insertListEntrySql = (e: RiskListEntry) => sql`
  INSERT INTO risk_list_entries AS l (id, list, kind, value, reason, author, expires_at, created_at)
  VALUES (${e.id}::uuid, ${e.list}::text, ${e.kind}::text, ${e.value}::text, ${e.reason}::text, ${e.author}::text,
          ${e.expiresAt}::timestamptz, ${e.createdAt}::timestamptz)
  RETURNING ${LIST_COLUMNS}`;

export const removeListEntrySql = (id: string, now: Date) => sql`
  UPDATE risk_list_entries AS l SET removed_at = ${now}::timestamptz
  WHERE l.id = ${id}::uuid AND l.removed_at IS NULL RETURNING ${LIST_COLUMNS}`;

export const insertCaseSql = (c: RiskCase) => sql`
  INSERT INTO risk_cases (id, reference, subject, subject_id, user_id, outcome, fired, signals, status, created_at)
  VALUES (${c.id}::uuid, ${c.reference}::text, ${c.subject}::text, ${c.subjectId}::text, ${c.userId}::uuid,
          ${c.outcome}::text, ${JSON.stringify(c.fired)}::jsonb, ${JSON.stringify(c.signals)}::jsonb, ${c.status}::text,
          ${c.createdAt}::timestamptz)`;

export const caseBySubjectSql = (subjectId: string) => sql`
  SELECT ${CASE_COLUMNS} FROM risk_cases c WHERE c.subject_id = ${subjectId}::text ORDER BY c.created_at DESC LIMIT 1`;

export const caseByReferenceSql = (reference: string) =>
  sql`SELECT ${CASE_COLUMNS} FROM risk_cases c WHERE c.reference = ${reference}::text`;

/** Closes an OPEN case once: of racing calls, one gets the row back. */
export const closeCaseSql = (
  subjectId: string,
  to: Exclude<RiskCaseStatus, "OPEN">,
  by: string,
  note: string | null,
  now: Date,
) => sql`
  UPDATE risk_cases AS c SET status = ${to}::text, decided_by = ${by}::text, decided_at = ${now}::timestamptz,
         note = ${note}::text
  WHERE c.subject_id = ${subjectId}::text AND c.status = 'OPEN' RETURNING ${CASE_COLUMNS}`;

export const openReviewSql = (subjectId: string) => sql`
  SELECT 1 AS one FROM risk_cases c WHERE c.subject_id = ${subjectId}::text AND c.status = 'OPEN' AND c.outcome = 'review' LIMIT 1`;
