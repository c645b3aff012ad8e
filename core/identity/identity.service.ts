import type { Clock, CoreContext, Locale, SecretBox, SqlExecutor, SqlRunner, SqlTxOptions } from "../shared/index.ts";
import { invalidData, newId, notFound } from "../shared/index.ts";
import {
  identitiesByExternalIdSql,
  identitiesByUsernameSql,
  identitiesOfUserSql,
  identitiesOfUsersSql,
  IDENTITY_ROW,
  identitySql,
  identityWithUserSql,
  insertIdentitySql,
  insertLinkCodeSql,
  insertUserSql,
  linkCodeSql,
  lockIdentitySql,
  moveIdentitySql,
  recordStartPayloadSql,
  retireLinkCodesSql,
  setCanDmSql,
  setLocaleSql,
  takeLinkCodeSql,
  touchIdentitySql,
  USER_PREFIX,
  USER_ROW,
  userSql,
} from "./identity.sql.ts";
import type {
  IdentityRecord,
  LinkCodeIssued,
  LinkResult,
  ResolveInput,
  Resolved,
  StartPayloadResult,
  UserRecord,
} from "./identity.types.ts";
import { generateLinkCode, normalizeLinkCode, sha256Hasher, type CodeHasher } from "./link-code.ts";
import { isLocale, localeFromLanguage } from "./locale.ts";

export interface IdentityDeps {
  sql: SqlRunner;
  clock: Clock;
  /** When given, link codes are stored as keyed hashes (HMAC) instead of plain SHA-256. */
  secrets?: SecretBox;
  /** Link codes expire after this (default 10 minutes). */
  linkCodeTtlMs?: number;
}

export interface Identity {
  /** The user behind a channel identity, created on first sight (race-safe), `can_dm` recorded. */
  resolve(ctx: CoreContext, input: ResolveInput, opts?: SqlTxOptions): Promise<Resolved>;
  /** A user with no chat identity yet (a staff account created by an owner; its chats are bound elsewhere). */
  createUser(
    ctx: CoreContext,
    input: { displayName: string; locale?: Locale },
    opts?: SqlTxOptions,
  ): Promise<UserRecord>;
  findUser(ctx: CoreContext, userId: string, opts?: SqlTxOptions): Promise<UserRecord | null>;
  getUser(ctx: CoreContext, userId: string, opts?: SqlTxOptions): Promise<UserRecord>;
  identitiesOf(ctx: CoreContext, userId: string, opts?: SqlTxOptions): Promise<IdentityRecord[]>;
  /** `identitiesOf` for many users in one query (every requested user is a key, with [] when none). */
  identitiesOfUsers(ctx: CoreContext, userIds: string[], opts?: SqlTxOptions): Promise<Map<string, IdentityRecord[]>>;
  findIdentity(
    ctx: CoreContext,
    channel: string,
    externalId: string,
    opts?: SqlTxOptions,
  ): Promise<IdentityRecord | null>;
  /**
   * Operators finding a user: identities with this external id on any channel, or with this username
   * (`@name` or `name`, any case; Telegram usernames are recorded from every turn).
   */
  findIdentities(
    ctx: CoreContext,
    input: { externalId: string } | { username: string },
    opts?: SqlTxOptions,
  ): Promise<IdentityRecord[]>;
  /** The platform told us whether we can message the user (e.g. Telegram 403 "bot was blocked"). */
  setCanDm(
    ctx: CoreContext,
    input: { channel: string; externalId: string; canDm: boolean },
    opts?: SqlTxOptions,
  ): Promise<void>;
  setLocale(ctx: CoreContext, input: { userId: string; locale: Locale }, opts?: SqlTxOptions): Promise<void>;
  /** Records the first non-empty `/start` payload; `ref_<userId>` also records the referrer. */
  recordStartPayload(
    ctx: CoreContext,
    input: { userId: string; payload: string },
    opts?: SqlTxOptions,
  ): Promise<StartPayloadResult>;
  /** A one-time code that attaches another channel identity to this user. Earlier unused codes stop working. */
  createLinkCode(ctx: CoreContext, input: { userId: string }, opts?: SqlTxOptions): Promise<LinkCodeIssued>;
  /** Moves the identity `(channel, externalId)` to the code's user; single use, race-safe. */
  consumeLinkCode(
    ctx: CoreContext,
    input: { code: string; channel: string; externalId: string },
    opts?: SqlTxOptions,
  ): Promise<LinkResult>;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_NAME = 128;
const MAX_PAYLOAD = 256;

class LostRace extends Error {}

/** A stored locale this build no longer knows reads as the default. */
function toUser(r: UserRecord): UserRecord {
  return { ...r, locale: isLocale(r.locale) ? r.locale : "zh-CN" };
}

/** The user's fields of a row of `identityWithUserSql`. */
function userOf(r: Record<string, unknown>): UserRecord {
  const fields = Object.keys(USER_ROW.columns).map((k) => [k, r[`${USER_PREFIX}${k}`]]);
  return toUser(Object.fromEntries(fields) as unknown as UserRecord);
}

/** The identity's fields of a row of `identityWithUserSql`. */
function identityOf(r: Record<string, unknown>): IdentityRecord {
  return Object.fromEntries(Object.keys(IDENTITY_ROW.columns).map((k) => [k, r[k]])) as unknown as IdentityRecord;
}

function cleanName(s: string): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f]/g, " ").trim();
  return (t || "?").slice(0, MAX_NAME);
}

export function createIdentity({ sql, clock, secrets, linkCodeTtlMs = 10 * 60_000 }: IdentityDeps): Identity {
  const hash: CodeHasher = secrets ? (s) => secrets.keyedHash(s, "link-code") : sha256Hasher;
  const q = (opts?: SqlTxOptions): SqlExecutor => opts?.tx ?? sql;

  async function findBoth(
    dbx: SqlExecutor,
    channel: string,
    externalId: string,
  ): Promise<{ identity: IdentityRecord; user: UserRecord } | null> {
    const [r] = await dbx.query<Record<string, unknown>>(identityWithUserSql(channel, externalId));
    return r ? { identity: identityOf(r), user: userOf(r) } : null;
  }

  async function findUser(dbx: SqlExecutor, userId: string): Promise<UserRecord | null> {
    if (!UUID_RE.test(userId)) return null;
    const [u] = await dbx.query<UserRecord>(userSql(userId));
    return u ? toUser(u) : null;
  }

  async function create(input: ResolveInput): Promise<{ user: UserRecord; identity: IdentityRecord }> {
    const userId = newId();
    const now = clock.now();
    return sql.transaction(async (tx) => {
      const users = await tx.query<UserRecord>(
        insertUserSql({
          id: userId,
          displayName: cleanName(input.displayName),
          locale: localeFromLanguage(input.languageCode),
          now,
        }),
      );
      const identities = await tx.query<IdentityRecord>(
        insertIdentitySql({
          id: newId(),
          userId,
          channel: input.channel,
          externalId: input.externalId,
          username: input.username ?? null,
          canDm: input.privateChat === true,
          now,
        }),
      );
      // Another request created this identity first: roll our user back and use theirs.
      if (!identities[0] || !users[0]) throw new LostRace();
      return { user: toUser(users[0]), identity: identities[0] };
    });
  }

  return {
    async resolve(_ctx, input, opts) {
      if (!input.channel || !input.externalId)
        throw invalidData("identity_required", "channel and externalId are required");
      const dbx = q(opts);
      // The hot path (a known user) is one query: identity joined with its user.
      let found = await findBoth(dbx, input.channel, input.externalId);
      if (!found) {
        try {
          return { ...(await create(input)), created: true };
        } catch (e) {
          if (!(e instanceof LostRace)) throw e;
          found = await findBoth(dbx, input.channel, input.externalId);
          if (!found) throw e;
        }
      }
      let identity = found.identity;
      const wantDm = input.privateChat === true && !identity.canDm;
      const newUsername = input.username !== undefined && input.username !== identity.username;
      if (wantDm || newUsername) {
        await dbx.execute(touchIdentitySql(identity.id, input.privateChat === true, input.username ?? null));
        identity = {
          ...identity,
          canDm: identity.canDm || input.privateChat === true,
          username: input.username ?? identity.username,
        };
      }
      return { user: found.user, identity, created: false };
    },

    async createUser(_ctx, { displayName, locale }, opts) {
      if (locale !== undefined && !isLocale(locale))
        throw invalidData("invalid_locale", `unsupported locale ${String(locale)}`);
      const [u] = await q(opts).query<UserRecord>(
        insertUserSql({
          id: newId(),
          displayName: cleanName(displayName),
          locale: locale ?? "zh-CN",
          now: clock.now(),
        }),
      );
      return toUser(u!);
    },

    findUser: (_ctx, userId, opts) => findUser(q(opts), userId),

    async getUser(_ctx, userId, opts) {
      const u = await findUser(q(opts), userId);
      if (!u) throw notFound("user_not_found", "no such user");
      return u;
    },

    async identitiesOf(_ctx, userId, opts) {
      if (!UUID_RE.test(userId)) return [];
      return q(opts).query<IdentityRecord>(identitiesOfUserSql(userId));
    },

    async identitiesOfUsers(_ctx, userIds, opts) {
      const ids = [...new Set(userIds.filter((u) => UUID_RE.test(u)))];
      const out = new Map<string, IdentityRecord[]>(ids.map((u) => [u, []]));
      if (ids.length === 0) return out;
      for (const i of await q(opts).query<IdentityRecord>(identitiesOfUsersSql(ids))) out.get(i.userId)?.push(i);
      return out;
    },

    async findIdentity(_ctx, channel, externalId, opts) {
      return (await q(opts).query<IdentityRecord>(identitySql(channel, externalId)))[0] ?? null;
    },

    async findIdentities(_ctx, input, opts) {
      if ("externalId" in input) {
        const id = input.externalId.trim();
        return id ? q(opts).query<IdentityRecord>(identitiesByExternalIdSql(id)) : [];
      }
      const name = input.username.trim().replace(/^@/, "");
      return name ? q(opts).query<IdentityRecord>(identitiesByUsernameSql(name)) : [];
    },

    async setCanDm(_ctx, { channel, externalId, canDm }, opts) {
      await q(opts).execute(setCanDmSql(channel, externalId, canDm));
    },

    async setLocale(_ctx, { userId, locale }, opts) {
      if (!isLocale(locale)) throw invalidData("invalid_locale", `unsupported locale ${String(locale)}`);
      if (!UUID_RE.test(userId)) throw notFound("user_not_found", "no such user");
      const n = await q(opts).execute(setLocaleSql(userId, locale));
      if (n !== 1) throw notFound("user_not_found", "no such user");
    },

    async recordStartPayload(_ctx, { userId, payload }, opts) {
      const p = payload.trim().slice(0, MAX_PAYLOAD);
      if (!p) return { recorded: false, reason: "empty" };
      // `ref_<code>`: a referral code (core/distribution) or, as before, the referrer's user id.
      const ref = /^ref_([0-9A-Za-z-]{4,36})$/.exec(p)?.[1] ?? null;
      const referrer = ref && UUID_RE.test(ref) ? ref.toLowerCase() : ref;
      const rows = await q(opts).query<{ referred_by: string | null }>(
        recordStartPayloadSql(userId, p, referrer, clock.now()),
      );
      if (!rows[0]) return { recorded: false, reason: "already_recorded" };
      return { recorded: true, referredBy: rows[0].referred_by };
    },

    async createLinkCode(_ctx, { userId }, opts) {
      const code = generateLinkCode();
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + linkCodeTtlMs);
      const dbx = q(opts);
      if (!(await findUser(dbx, userId))) throw notFound("user_not_found", "no such user");
      // One live code per user: issuing a new one retires the old.
      await dbx.execute(retireLinkCodesSql(userId, now));
      await dbx.execute(insertLinkCodeSql(hash(normalizeLinkCode(code)!), userId, expiresAt, now));
      return { code, expiresAt };
    },

    async consumeLinkCode(_ctx, { code, channel, externalId }, opts) {
      const normalized = normalizeLinkCode(code);
      if (!normalized) return { ok: false, code: "invalid_code" };
      const h = hash(normalized);
      const now = clock.now();
      const run = async (tx: SqlExecutor): Promise<LinkResult> => {
        const [me] = await tx.query<IdentityRecord>(lockIdentitySql(channel, externalId));
        if (!me) return { ok: false, code: "unknown_identity" };
        const taken = await tx.query<{ user_id: string }>(takeLinkCodeSql(h, now, me.userId));
        const target = taken[0]?.user_id;
        if (!target) {
          const [r] = await tx.query<{ user_id: string; used_at: Date | null; expires_at: Date }>(linkCodeSql(h));
          if (!r) return { ok: false, code: "invalid_code" };
          if (r.used_at) return { ok: false, code: "already_used" };
          if (r.expires_at <= now) return { ok: false, code: "expired" };
          return { ok: false, code: "same_user" };
        }
        await tx.execute(moveIdentitySql(me.id, target));
        return { ok: true, userId: target, previousUserId: me.userId };
      };
      return opts?.tx ? run(opts.tx) : sql.transaction(run);
    },
  };
}
