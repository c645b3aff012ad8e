import type { Clock, CoreContext, Db, DbOrTx, Locale, SecretBox, TxOptions } from "../shared/index.ts";
import { invalidData, newId, notFound } from "../shared/index.ts";
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
  db: Db;
  clock: Clock;
  /** When given, link codes are stored as keyed hashes (HMAC) instead of plain SHA-256. */
  secrets?: SecretBox;
  /** Link codes expire after this (default 10 minutes). */
  linkCodeTtlMs?: number;
}

export interface Identity {
  /** The user behind a channel identity, created on first sight (race-safe), `can_dm` recorded. */
  resolve(ctx: CoreContext, input: ResolveInput, opts?: TxOptions): Promise<Resolved>;
  findUser(ctx: CoreContext, userId: string, opts?: TxOptions): Promise<UserRecord | null>;
  getUser(ctx: CoreContext, userId: string, opts?: TxOptions): Promise<UserRecord>;
  identitiesOf(ctx: CoreContext, userId: string, opts?: TxOptions): Promise<IdentityRecord[]>;
  /** `identitiesOf` for many users in one query (every requested user is a key, with [] when none). */
  identitiesOfUsers(ctx: CoreContext, userIds: string[], opts?: TxOptions): Promise<Map<string, IdentityRecord[]>>;
  findIdentity(ctx: CoreContext, channel: string, externalId: string, opts?: TxOptions): Promise<IdentityRecord | null>;
  /** The platform told us whether we can message the user (e.g. Telegram 403 "bot was blocked"). */
  setCanDm(
    ctx: CoreContext,
    input: { channel: string; externalId: string; canDm: boolean },
    opts?: TxOptions,
  ): Promise<void>;
  setLocale(ctx: CoreContext, input: { userId: string; locale: Locale }, opts?: TxOptions): Promise<void>;
  /** Records the first non-empty `/start` payload; `ref_<userId>` also records the referrer. */
  recordStartPayload(
    ctx: CoreContext,
    input: { userId: string; payload: string },
    opts?: TxOptions,
  ): Promise<StartPayloadResult>;
  /** A one-time code that attaches another channel identity to this user. Earlier unused codes stop working. */
  createLinkCode(ctx: CoreContext, input: { userId: string }, opts?: TxOptions): Promise<LinkCodeIssued>;
  /** Moves the identity `(channel, externalId)` to the code's user; single use, race-safe. */
  consumeLinkCode(
    ctx: CoreContext,
    input: { code: string; channel: string; externalId: string },
    opts?: TxOptions,
  ): Promise<LinkResult>;
}

interface UserRow {
  id: string;
  display_name: string;
  locale: string;
  referred_by: string | null;
  start_payload: string | null;
  created_at: Date;
}
interface IdentityRow {
  id: string;
  user_id: string;
  channel: string;
  external_id: string;
  username: string | null;
  can_dm: boolean;
  created_at: Date;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_NAME = 128;
const MAX_PAYLOAD = 256;

class LostRace extends Error {}

function toUser(r: UserRow): UserRecord {
  return {
    id: r.id,
    displayName: r.display_name,
    locale: isLocale(r.locale) ? r.locale : "zh-CN",
    referredBy: r.referred_by,
    startPayload: r.start_payload,
    createdAt: r.created_at,
  };
}

function toIdentity(r: IdentityRow): IdentityRecord {
  return {
    id: r.id,
    userId: r.user_id,
    channel: r.channel,
    externalId: r.external_id,
    username: r.username,
    canDm: r.can_dm,
    createdAt: r.created_at,
  };
}

function cleanName(s: string): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f]/g, " ").trim();
  return (t || "?").slice(0, MAX_NAME);
}

export function createIdentity({ db, clock, secrets, linkCodeTtlMs = 10 * 60_000 }: IdentityDeps): Identity {
  const hash: CodeHasher = secrets ? (s) => secrets.keyedHash(s, "link-code") : sha256Hasher;
  const q = (opts?: TxOptions): DbOrTx => opts?.tx ?? db;

  async function findIdentity(dbx: DbOrTx, channel: string, externalId: string): Promise<IdentityRow | null> {
    const rows = await dbx.$queryRaw<IdentityRow[]>`
      SELECT id::text, user_id::text, channel, external_id, username, can_dm, created_at
      FROM channel_identities WHERE channel = ${channel} AND external_id = ${externalId}`;
    return rows[0] ?? null;
  }

  async function findBoth(
    dbx: DbOrTx,
    channel: string,
    externalId: string,
  ): Promise<{ identity: IdentityRow; user: UserRow } | null> {
    const rows = await dbx.$queryRaw<
      (IdentityRow & {
        u_display_name: string;
        u_locale: string;
        u_referred_by: string | null;
        u_start_payload: string | null;
        u_created_at: Date;
      })[]
    >`
      SELECT ci.id::text, ci.user_id::text, ci.channel, ci.external_id, ci.username, ci.can_dm, ci.created_at,
             u.display_name AS u_display_name, u.locale AS u_locale, u.referred_by::text AS u_referred_by,
             u.start_payload AS u_start_payload, u.created_at AS u_created_at
      FROM channel_identities ci JOIN users u ON u.id = ci.user_id
      WHERE ci.channel = ${channel} AND ci.external_id = ${externalId}`;
    const r = rows[0];
    if (!r) return null;
    return {
      identity: {
        id: r.id,
        user_id: r.user_id,
        channel: r.channel,
        external_id: r.external_id,
        username: r.username,
        can_dm: r.can_dm,
        created_at: r.created_at,
      },
      user: {
        id: r.user_id,
        display_name: r.u_display_name,
        locale: r.u_locale,
        referred_by: r.u_referred_by,
        start_payload: r.u_start_payload,
        created_at: r.u_created_at,
      },
    };
  }

  async function findUser(dbx: DbOrTx, userId: string): Promise<UserRow | null> {
    if (!UUID_RE.test(userId)) return null;
    const rows = await dbx.$queryRaw<UserRow[]>`
      SELECT id::text, display_name, locale, referred_by::text, start_payload, created_at
      FROM users WHERE id = ${userId}::uuid`;
    return rows[0] ?? null;
  }

  async function create(input: ResolveInput): Promise<{ user: UserRow; identity: IdentityRow }> {
    const userId = newId();
    const identityId = newId();
    const now = clock.now();
    const locale = localeFromLanguage(input.languageCode);
    return db.$transaction(async (tx) => {
      const users = await tx.$queryRaw<UserRow[]>`
        INSERT INTO users (id, display_name, locale, created_at)
        VALUES (${userId}::uuid, ${cleanName(input.displayName)}, ${locale}, ${now})
        RETURNING id::text, display_name, locale, referred_by::text, start_payload, created_at`;
      const identities = await tx.$queryRaw<IdentityRow[]>`
        INSERT INTO channel_identities (id, user_id, channel, external_id, username, can_dm, created_at)
        VALUES (${identityId}::uuid, ${userId}::uuid, ${input.channel}, ${input.externalId},
                ${input.username ?? null}, ${input.privateChat === true}, ${now})
        ON CONFLICT (channel, external_id) DO NOTHING
        RETURNING id::text, user_id::text, channel, external_id, username, can_dm, created_at`;
      // Another request created this identity first: roll our user back and use theirs.
      if (!identities[0] || !users[0]) throw new LostRace();
      return { user: users[0], identity: identities[0] };
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
          const made = await create(input);
          return { user: toUser(made.user), identity: toIdentity(made.identity), created: true };
        } catch (e) {
          if (!(e instanceof LostRace)) throw e;
          found = await findBoth(dbx, input.channel, input.externalId);
          if (!found) throw e;
        }
      }
      let row = found.identity;
      const wantDm = input.privateChat === true && !row.can_dm;
      const newUsername = input.username !== undefined && input.username !== row.username;
      if (wantDm || newUsername) {
        await dbx.$executeRaw`
          UPDATE channel_identities
          SET can_dm = can_dm OR ${input.privateChat === true},
              username = COALESCE(${input.username ?? null}, username)
          WHERE id = ${row.id}::uuid`;
        row = { ...row, can_dm: row.can_dm || input.privateChat === true, username: input.username ?? row.username };
      }
      return { user: toUser(found.user), identity: toIdentity(row), created: false };
    },

    async findUser(_ctx, userId, opts) {
      const u = await findUser(q(opts), userId);
      return u ? toUser(u) : null;
    },

    async getUser(_ctx, userId, opts) {
      const u = await findUser(q(opts), userId);
      if (!u) throw notFound("user_not_found", "no such user");
      return toUser(u);
    },

    async identitiesOf(_ctx, userId, opts) {
      if (!UUID_RE.test(userId)) return [];
      const rows = await q(opts).$queryRaw<IdentityRow[]>`
        SELECT id::text, user_id::text, channel, external_id, username, can_dm, created_at
        FROM channel_identities WHERE user_id = ${userId}::uuid ORDER BY created_at, id`;
      return rows.map(toIdentity);
    },

    async identitiesOfUsers(_ctx, userIds, opts) {
      const ids = [...new Set(userIds.filter((u) => UUID_RE.test(u)))];
      const out = new Map<string, IdentityRecord[]>(ids.map((u) => [u, []]));
      if (ids.length === 0) return out;
      const rows = await q(opts).$queryRaw<IdentityRow[]>`
        SELECT id::text, user_id::text, channel, external_id, username, can_dm, created_at
        FROM channel_identities WHERE user_id = ANY(${ids}::uuid[]) ORDER BY created_at, id`;
      for (const r of rows) {
        const i = toIdentity(r);
        out.get(i.userId)?.push(i);
      }
      return out;
    },

    async findIdentity(_ctx, channel, externalId, opts) {
      const r = await findIdentity(q(opts), channel, externalId);
      return r ? toIdentity(r) : null;
    },

    async setCanDm(_ctx, { channel, externalId, canDm }, opts) {
      await q(opts).$executeRaw`
        UPDATE channel_identities SET can_dm = ${canDm} WHERE channel = ${channel} AND external_id = ${externalId}`;
    },

    async setLocale(_ctx, { userId, locale }, opts) {
      if (!isLocale(locale)) throw invalidData("invalid_locale", `unsupported locale ${String(locale)}`);
      if (!UUID_RE.test(userId)) throw notFound("user_not_found", "no such user");
      const n = await q(opts).$executeRaw`UPDATE users SET locale = ${locale} WHERE id = ${userId}::uuid`;
      if (n !== 1) throw notFound("user_not_found", "no such user");
    },

    async recordStartPayload(_ctx, { userId, payload }, opts) {
      const p = payload.trim().slice(0, MAX_PAYLOAD);
      if (!p) return { recorded: false, reason: "empty" };
      const ref = /^ref_([0-9a-f-]{36})$/i.exec(p)?.[1];
      const referrer =
        ref && UUID_RE.test(ref) && ref.toLowerCase() !== userId.toLowerCase() ? ref.toLowerCase() : null;
      const rows = await q(opts).$queryRaw<{ referred_by: string | null }[]>`
        UPDATE users SET
          start_payload = ${p},
          referred_by = COALESCE(referred_by, (SELECT r.id FROM users r WHERE r.id = ${referrer}::uuid))
        WHERE id = ${userId}::uuid AND start_payload IS NULL
        RETURNING referred_by::text`;
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
      await dbx.$executeRaw`
        UPDATE link_codes SET used_at = ${now} WHERE user_id = ${userId}::uuid AND used_at IS NULL`;
      await dbx.$executeRaw`
        INSERT INTO link_codes (code_hash, user_id, expires_at, created_at)
        VALUES (${hash(normalizeLinkCode(code)!)}, ${userId}::uuid, ${expiresAt}, ${now})`;
      return { code, expiresAt };
    },

    async consumeLinkCode(_ctx, { code, channel, externalId }, opts) {
      const normalized = normalizeLinkCode(code);
      if (!normalized) return { ok: false, code: "invalid_code" };
      const h = hash(normalized);
      const now = clock.now();
      const run = async (tx: DbOrTx): Promise<LinkResult> => {
        const ident = await tx.$queryRaw<IdentityRow[]>`
          SELECT id::text, user_id::text, channel, external_id, username, can_dm, created_at
          FROM channel_identities WHERE channel = ${channel} AND external_id = ${externalId} FOR UPDATE`;
        const me = ident[0];
        if (!me) return { ok: false, code: "unknown_identity" };
        const taken = await tx.$queryRaw<{ user_id: string }[]>`
          UPDATE link_codes SET used_at = ${now}
          WHERE code_hash = ${h} AND used_at IS NULL AND expires_at > ${now} AND user_id <> ${me.user_id}::uuid
          RETURNING user_id::text`;
        const target = taken[0]?.user_id;
        if (!target) {
          const rows = await tx.$queryRaw<{ user_id: string; used_at: Date | null; expires_at: Date }[]>`
            SELECT user_id::text, used_at, expires_at FROM link_codes WHERE code_hash = ${h}`;
          const r = rows[0];
          if (!r) return { ok: false, code: "invalid_code" };
          if (r.used_at) return { ok: false, code: "already_used" };
          if (r.expires_at <= now) return { ok: false, code: "expired" };
          return { ok: false, code: "same_user" };
        }
        await tx.$executeRaw`UPDATE channel_identities SET user_id = ${target}::uuid WHERE id = ${me.id}::uuid`;
        return { ok: true, userId: target, previousUserId: me.user_id };
      };
      return opts?.tx ? run(opts.tx) : db.$transaction((tx) => run(tx));
    },
  };
}
