import {
  conflict,
  inSqlTx,
  invalidData,
  notFound,
  PG_UNIQUE_VIOLATION,
  sqlState,
  STAFF_ROLES,
  type Actor,
  type Clock,
  type CoreContext,
  type Locale,
  type SqlRunner,
  type SqlTx,
  type SqlTxOptions,
  type StaffRole,
} from "../shared/index.ts";
import {
  deleteStaffSql,
  insertStaffSql,
  listStaffSql,
  lockOwnersSql,
  setLocaleSql,
  setRoleSql,
  staffByChatSql,
  staffByIdSql,
} from "./staff.sql.ts";
import { STAFF_CHANNELS, type AddStaffInput, type StaffChannel, type StaffMember } from "./staff.types.ts";

export type StaffActor = Extract<Actor, { kind: "staff" }>;

/** Creates the user a new staff member is (identity owns the users table). */
export interface StaffUsersPort {
  createUser(ctx: CoreContext, input: { displayName: string }, opts?: SqlTxOptions): Promise<{ id: string }>;
}

/** What a staff change leaves in the audit trail, in the change's own transaction (core/audit). */
export interface StaffAuditPort {
  record(
    ctx: CoreContext,
    entry: {
      action: string;
      outcome: "ok";
      targetType: "staff";
      targetId: string;
      details: Record<string, unknown>;
    },
    opts: { tx: SqlTx },
  ): Promise<unknown>;
}

export interface StaffDeps {
  sql: SqlRunner;
  clock: Clock;
  users: StaffUsersPort;
  audit: StaffAuditPort;
}

export interface Staff {
  /** A new staff member (a new user) with a role and the chat accounts they work from. */
  add(ctx: CoreContext, input: AddStaffInput): Promise<StaffMember>;
  list(ctx: CoreContext): Promise<StaffMember[]>;
  get(ctx: CoreContext, userId: string): Promise<StaffMember>;
  /** Changes a member's role; the last owner cannot be demoted. */
  setRole(
    ctx: CoreContext,
    input: { userId: string; role: StaffRole },
  ): Promise<{ before: StaffMember; after: StaffMember }>;
  /** Removes a member (their user stays); the last owner cannot be removed. */
  remove(ctx: CoreContext, input: { userId: string }): Promise<StaffMember>;
  /**
   * The staff actor a chat sender is, or null: how an edge turns a Slack or Telegram user into an
   * operator. Anyone else (and any other channel) is not staff.
   */
  actorFor(ctx: CoreContext, channel: string, externalUserId: string): Promise<StaffActor | null>;
  /** `actorFor` with the member's own language (null when they chose none): one look-up for the console. */
  recognise(
    ctx: CoreContext,
    channel: string,
    externalUserId: string,
  ): Promise<{ actor: StaffActor; locale: Locale | null } | null>;
  /** Sets the language the console answers a member in (null: back to the platform's / the default). */
  setLocale(
    ctx: CoreContext,
    input: { userId: string; locale: Locale | null },
  ): Promise<{ before: StaffMember; after: StaffMember }>;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SLACK_USER_RE = /^[UW][A-Z0-9]{2,20}$/;
const TELEGRAM_USER_RE = /^[1-9][0-9]{0,15}$/;
const MAX_NAME = 64;

export const isStaffRole = (s: string): s is StaffRole => (STAFF_ROLES as readonly string[]).includes(s);

function checkRole(role: string): StaffRole {
  if (!isStaffRole(role))
    throw invalidData("invalid_role", `role must be one of ${STAFF_ROLES.join(", ")}, got ${JSON.stringify(role)}`);
  return role;
}

function checkName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const t = name.replace(/[\u0000-\u001f\u007f]/g, " ").trim();
  if (!t || t.length > MAX_NAME) throw invalidData("invalid_name", `name must be 1–${MAX_NAME} characters`);
  return t;
}

function checkChatIds(input: AddStaffInput): { slackUserId: string | null; telegramUserId: string | null } {
  const slack = input.slackUserId?.trim() || null;
  const telegram = input.telegramUserId?.trim() || null;
  if (slack !== null && !SLACK_USER_RE.test(slack))
    throw invalidData("invalid_slack_user_id", `a Slack user id looks like U0123ABCD, got ${JSON.stringify(slack)}`);
  if (telegram !== null && !TELEGRAM_USER_RE.test(telegram))
    throw invalidData(
      "invalid_telegram_user_id",
      `a Telegram user id is a positive number, got ${JSON.stringify(telegram)}`,
    );
  return { slackUserId: slack, telegramUserId: telegram };
}

function checkLocale(locale: string | null | undefined): Locale | null {
  if (locale === undefined || locale === null) return null;
  if (locale !== "zh-CN" && locale !== "en")
    throw invalidData("invalid_locale", `locale must be zh-CN or en, got ${JSON.stringify(locale)}`);
  return locale;
}

const memberNotFound = (userId: string) => notFound("staff_not_found", "no such staff member", { userId });

export function createStaff({ sql, clock, users, audit }: StaffDeps): Staff {
  async function find(tx: SqlTx | SqlRunner, userId: string): Promise<StaffMember | null> {
    if (!UUID_RE.test(userId)) return null;
    const [m] = await tx.query<StaffMember>(staffByIdSql(userId));
    return m ?? null;
  }

  /** Refuses a change that would leave no owner (the owners' rows are locked, so two such changes queue). */
  async function keepAnOwner(tx: SqlTx, member: StaffMember, newRole: StaffRole | null) {
    if (member.role !== "owner" || newRole === "owner") return;
    const owners = await tx.query<{ userId: string }>(lockOwnersSql());
    if (owners.filter((o) => o.userId !== member.userId).length === 0)
      throw conflict("last_owner", "the last owner cannot be removed or demoted: make another owner first");
  }

  async function recognise(channel: string, externalUserId: string) {
    if (!(STAFF_CHANNELS as readonly string[]).includes(channel) || !externalUserId) return null;
    const [m] = await sql.query<StaffMember>(staffByChatSql(channel as StaffChannel, externalUserId));
    return m ? { actor: { kind: "staff" as const, userId: m.userId, role: m.role }, locale: m.locale } : null;
  }

  return {
    async add(ctx, input) {
      const name = checkName(input.name);
      const role = checkRole(input.role);
      const chats = checkChatIds(input);
      const locale = checkLocale(input.locale);
      try {
        return await inSqlTx(sql, undefined, async (tx) => {
          for (const channel of STAFF_CHANNELS) {
            const id = channel === "slack" ? chats.slackUserId : chats.telegramUserId;
            if (id && (await tx.query(staffByChatSql(channel, id))).length > 0)
              throw conflict("chat_account_taken", `${channel} user ${id} is already a staff member`);
          }
          const user = await users.createUser(ctx, { displayName: name }, { tx });
          const [m] = await tx.query<StaffMember>(
            insertStaffSql({ userId: user.id, name, role, ...chats, locale }, clock.now()),
          );
          await audit.record(
            ctx,
            { action: "staff.add", outcome: "ok", targetType: "staff", targetId: m!.userId, details: { after: m } },
            { tx },
          );
          return m!;
        });
      } catch (e) {
        if (sqlState(e) === PG_UNIQUE_VIOLATION)
          throw conflict("chat_account_taken", "that Slack or Telegram user is already a staff member");
        throw e;
      }
    },

    list: () => sql.query<StaffMember>(listStaffSql()),

    async get(_ctx, userId) {
      const m = await find(sql, userId);
      if (!m) throw memberNotFound(userId);
      return m;
    },

    async setRole(ctx, input) {
      const role = checkRole(input.role);
      return sql.transaction(async (tx) => {
        const before = await find(tx, input.userId);
        if (!before) throw memberNotFound(input.userId);
        await keepAnOwner(tx, before, role);
        const [after] = await tx.query<StaffMember>(setRoleSql(before.userId, role, clock.now()));
        if (!after) throw memberNotFound(input.userId);
        await audit.record(
          ctx,
          {
            action: "staff.role",
            outcome: "ok",
            targetType: "staff",
            targetId: after.userId,
            details: { before: { role: before.role }, after: { role: after.role } },
          },
          { tx },
        );
        return { before, after };
      });
    },

    async remove(ctx, input) {
      return sql.transaction(async (tx) => {
        const member = await find(tx, input.userId);
        if (!member) throw memberNotFound(input.userId);
        await keepAnOwner(tx, member, null);
        const [gone] = await tx.query<StaffMember>(deleteStaffSql(member.userId));
        if (!gone) throw memberNotFound(input.userId);
        await audit.record(
          ctx,
          {
            action: "staff.remove",
            outcome: "ok",
            targetType: "staff",
            targetId: gone.userId,
            details: { before: gone },
          },
          { tx },
        );
        return gone;
      });
    },

    async actorFor(_ctx, channel, externalUserId) {
      return (await recognise(channel, externalUserId))?.actor ?? null;
    },

    recognise: (_ctx, channel, externalUserId) => recognise(channel, externalUserId),

    async setLocale(ctx, input) {
      const locale = checkLocale(input.locale);
      return sql.transaction(async (tx) => {
        const before = await find(tx, input.userId);
        if (!before) throw memberNotFound(input.userId);
        const [after] = await tx.query<StaffMember>(setLocaleSql(before.userId, locale, clock.now()));
        if (!after) throw memberNotFound(input.userId);
        await audit.record(
          ctx,
          {
            action: "staff.locale",
            outcome: "ok",
            targetType: "staff",
            targetId: after.userId,
            details: { before: { locale: before.locale }, after: { locale: after.locale } },
          },
          { tx },
        );
        return { before, after };
      });
    },
  };
}
