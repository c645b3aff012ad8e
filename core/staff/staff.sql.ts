import { rowMap, selectList, sql } from "../shared/index.ts";
import type { StaffMember, StaffChannel } from "./staff.types.ts";

/** Every statement of core/staff (table staff_members). */

export const STAFF_ROW = rowMap<StaffMember>("staff_members", {
  userId: { column: "user_id", cast: "text" },
  name: { column: "name" },
  role: { column: "role" },
  slackUserId: { column: "slack_user_id" },
  telegramUserId: { column: "telegram_user_id" },
  locale: { column: "locale" },
  createdAt: { column: "created_at" },
  updatedAt: { column: "updated_at" },
});
const COLUMNS = selectList(STAFF_ROW, "s");

export const insertStaffSql = (m: Omit<StaffMember, "createdAt" | "updatedAt">, now: Date) => sql`
  INSERT INTO staff_members AS s (user_id, name, role, slack_user_id, telegram_user_id, locale, created_at, updated_at)
  VALUES (${m.userId}::uuid, ${m.name}::text, ${m.role}::text, ${m.slackUserId}::text, ${m.telegramUserId}::text,
          ${m.locale}::text, ${now}::timestamptz, ${now}::timestamptz)
  RETURNING ${COLUMNS}`;

export const listStaffSql = () => sql`SELECT ${COLUMNS} FROM staff_members s ORDER BY s.created_at, s.user_id`;

export const staffByIdSql = (userId: string) =>
  sql`SELECT ${COLUMNS} FROM staff_members s WHERE s.user_id = ${userId}::uuid`;

/** The member's row, locked: role changes and removals of owners are serialised on the owners' rows. */
export const lockOwnersSql = () =>
  sql`SELECT s.user_id::text AS "userId" FROM staff_members s WHERE s.role = 'owner' ORDER BY s.user_id FOR UPDATE`;

export const staffByChatSql = (channel: StaffChannel, externalId: string) =>
  channel === "slack"
    ? sql`SELECT ${COLUMNS} FROM staff_members s WHERE s.slack_user_id = ${externalId}::text`
    : sql`SELECT ${COLUMNS} FROM staff_members s WHERE s.telegram_user_id = ${externalId}::text`;

export const setRoleSql = (userId: string, role: string, now: Date) => sql`
  UPDATE staff_members AS s SET role = ${role}::text, updated_at = ${now}::timestamptz
  WHERE s.user_id = ${userId}::uuid RETURNING ${COLUMNS}`;

export const deleteStaffSql = (userId: string) =>
  sql`DELETE FROM staff_members AS s WHERE s.user_id = ${userId}::uuid RETURNING ${COLUMNS}`;

export const setLocaleSql = (userId: string, locale: string | null, now: Date) => sql`
  UPDATE staff_members AS s SET locale = ${locale}::text, updated_at = ${now}::timestamptz
  WHERE s.user_id = ${userId}::uuid RETURNING ${COLUMNS}`;
