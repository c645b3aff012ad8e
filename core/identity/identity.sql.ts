import { rowMap, selectList, sql } from "../shared/index.ts";
import type { IdentityRecord, UserRecord } from "./identity.types.ts";

/**
 * Every statement of identity (tables users, channel_identities, link_codes), run on the SqlRunner:
 * each chat turn resolves its user, so these are on the hot path.
 */

export const USER_ROW = rowMap<UserRecord>(
  "users",
  {
    id: { column: "id", cast: "text" },
    displayName: { column: "display_name" },
    locale: { column: "locale" },
    referredBy: { column: "referred_by", cast: "text" },
    startPayload: { column: "start_payload" },
    createdAt: { column: "created_at" },
  },
  ["referred_at"],
);

export const IDENTITY_ROW = rowMap<IdentityRecord>("channel_identities", {
  id: { column: "id", cast: "text" },
  userId: { column: "user_id", cast: "text" },
  channel: { column: "channel" },
  externalId: { column: "external_id" },
  username: { column: "username" },
  canDm: { column: "can_dm" },
  createdAt: { column: "created_at" },
});

const USER_COLUMNS = selectList(USER_ROW, "u");
const IDENTITY_COLUMNS = selectList(IDENTITY_ROW, "ci");
/** The user's fields prefixed `user.`, beside the identity's. */
export const USER_PREFIX = "user.";

export const identitySql = (channel: string, externalId: string) => sql`
  SELECT ${IDENTITY_COLUMNS} FROM channel_identities ci
  WHERE ci.channel = ${channel}::text AND ci.external_id = ${externalId}::text`;

/** The identity joined with its user (a known user's turn: one statement). */
export const identityWithUserSql = (channel: string, externalId: string) => sql`
  SELECT ${IDENTITY_COLUMNS}, ${selectList(USER_ROW, "u", USER_PREFIX)}
  FROM channel_identities ci JOIN users u ON u.id = ci.user_id
  WHERE ci.channel = ${channel}::text AND ci.external_id = ${externalId}::text`;

export const userSql = (userId: string) => sql`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = ${userId}::uuid`;

export const insertUserSql = (u: { id: string; displayName: string; locale: string; now: Date }) => sql`
  INSERT INTO users AS u (id, display_name, locale, created_at)
  VALUES (${u.id}::uuid, ${u.displayName}::text, ${u.locale}::text, ${u.now}::timestamptz)
  RETURNING ${USER_COLUMNS}`;

/** The identity unless (channel, external id) exists: then no row (another request created it first). */
export const insertIdentitySql = (i: {
  id: string;
  userId: string;
  channel: string;
  externalId: string;
  username: string | null;
  canDm: boolean;
  now: Date;
}) => sql`
  INSERT INTO channel_identities AS ci (id, user_id, channel, external_id, username, can_dm, created_at)
  VALUES (${i.id}::uuid, ${i.userId}::uuid, ${i.channel}::text, ${i.externalId}::text, ${i.username}::text,
          ${i.canDm}::boolean, ${i.now}::timestamptz)
  ON CONFLICT (channel, external_id) DO NOTHING
  RETURNING ${IDENTITY_COLUMNS}`;

/** Records that the bot can message the user here, and a changed username. */
export const touchIdentitySql = (id: string, privateChat: boolean, username: string | null) => sql`
  UPDATE channel_identities
  SET can_dm = can_dm OR ${privateChat}::boolean, username = COALESCE(${username}::text, username)
  WHERE id = ${id}::uuid`;

export const identitiesOfUserSql = (userId: string) => sql`
  SELECT ${IDENTITY_COLUMNS} FROM channel_identities ci WHERE ci.user_id = ${userId}::uuid ORDER BY ci.created_at, ci.id`;

export const identitiesOfUsersSql = (userIds: string[]) => sql`
  SELECT ${IDENTITY_COLUMNS} FROM channel_identities ci WHERE ci.user_id = ANY(${userIds}::uuid[])
  ORDER BY ci.created_at, ci.id`;

// Operators finding a user (identity.findIdentities).

/** Identities with this external id on any channel (a Telegram user id, a WeChat id, a web-chat browser id). */
export const identitiesByExternalIdSql = (externalId: string) => sql`
  SELECT ${IDENTITY_COLUMNS} FROM channel_identities ci WHERE ci.external_id = ${externalId}::text
  ORDER BY ci.created_at, ci.id LIMIT 50`;

/** Identities with this username, whatever its case (channel_identities_username_lower_idx). */
export const identitiesByUsernameSql = (username: string) => sql`
  SELECT ${IDENTITY_COLUMNS} FROM channel_identities ci
  WHERE lower(ci.username) = lower(${username}::text) AND ci.username IS NOT NULL
  ORDER BY ci.created_at, ci.id LIMIT 50`;

export const setCanDmSql = (channel: string, externalId: string, canDm: boolean) => sql`
  UPDATE channel_identities SET can_dm = ${canDm}::boolean
  WHERE channel = ${channel}::text AND external_id = ${externalId}::text`;

export const setLocaleSql = (userId: string, locale: string) =>
  sql`UPDATE users SET locale = ${locale}::text WHERE id = ${userId}::uuid`;

/**
 * The first start payload, and the referrer when `ref` names (by referral code or user id) an existing other
 * user whose own referrers do not include this one (no cycle: A refers B refers A). Attributed once, with its
 * time (the reward's period runs from it).
 */
export const recordStartPayloadSql = (userId: string, payload: string, ref: string | null, now: Date) => sql`
  WITH RECURSIVE candidate AS (
    SELECT r.id FROM users r
    WHERE r.id = COALESCE(
        (SELECT rc.user_id FROM referral_codes rc WHERE rc.code = ${ref}::text),
        CASE WHEN ${ref}::text ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
             THEN ${ref}::text::uuid END)
      AND r.id <> ${userId}::uuid
  ), up(id, depth) AS (
    SELECT u.referred_by, 1 FROM users u JOIN candidate c ON u.id = c.id
    UNION ALL
    SELECT u.referred_by, up.depth + 1 FROM users u JOIN up ON u.id = up.id WHERE up.depth < 64
  ), referrer AS (
    SELECT c.id FROM candidate c WHERE NOT EXISTS (SELECT 1 FROM up WHERE up.id = ${userId}::uuid)
  )
  UPDATE users SET
    start_payload = ${payload}::text,
    referred_by = COALESCE(referred_by, (SELECT id FROM referrer)),
    referred_at = CASE WHEN referred_by IS NULL AND EXISTS (SELECT 1 FROM referrer)
                       THEN ${now}::timestamptz ELSE referred_at END
  WHERE id = ${userId}::uuid AND start_payload IS NULL
  RETURNING referred_by::text`;

// Link codes.

export const retireLinkCodesSql = (userId: string, now: Date) => sql`
  UPDATE link_codes SET used_at = ${now}::timestamptz WHERE user_id = ${userId}::uuid AND used_at IS NULL`;

export const insertLinkCodeSql = (codeHash: string, userId: string, expiresAt: Date, now: Date) => sql`
  INSERT INTO link_codes (code_hash, user_id, expires_at, created_at)
  VALUES (${codeHash}::text, ${userId}::uuid, ${expiresAt}::timestamptz, ${now}::timestamptz)`;

export const lockIdentitySql = (channel: string, externalId: string) => sql`
  SELECT ${IDENTITY_COLUMNS} FROM channel_identities ci
  WHERE ci.channel = ${channel}::text AND ci.external_id = ${externalId}::text FOR UPDATE`;

/** Uses the code for another user's identity, when it is live; the code's user. */
export const takeLinkCodeSql = (codeHash: string, now: Date, notUserId: string) => sql`
  UPDATE link_codes SET used_at = ${now}::timestamptz
  WHERE code_hash = ${codeHash}::text AND used_at IS NULL AND expires_at > ${now}::timestamptz
    AND user_id <> ${notUserId}::uuid
  RETURNING user_id::text`;

export const linkCodeSql = (codeHash: string) =>
  sql`SELECT user_id::text, used_at, expires_at FROM link_codes WHERE code_hash = ${codeHash}::text`;

export const moveIdentitySql = (identityId: string, userId: string) =>
  sql`UPDATE channel_identities SET user_id = ${userId}::uuid WHERE id = ${identityId}::uuid`;
