import { recordEvents } from "../events/index.ts";
import { conflict, describeActor, invalidData, notFound, type CoreContext, type SqlTx } from "../shared/index.ts";
import type { DistributionDeps } from "./distribution-deps.ts";
import {
  addDistributorSchema,
  decideSchema,
  pinSchema,
  recruitSchema,
  setTierSchema,
  tierPriceSchema,
  updateTierSchema,
  userIdSchema,
  type UpdateTierInput,
} from "./distribution.schemas.ts";
import {
  applicationSql,
  applySql,
  clearTierPriceSql,
  decideApplicationSql,
  distributorForUpdateSql,
  distributorSql,
  insertDistributorSql,
  listDistributorsSql,
  pendingApplicationsSql,
  referrerOfSql,
  setParentSql,
  setPinnedSql,
  setTierPriceSql,
  setTierSql,
  teamSql,
  tierSql,
  tiersSql,
  updateTierSql,
} from "./distribution.sql.ts";
import type { Distributor, DistributorApplication, Tier } from "./distribution.types.ts";
import { parseInput } from "./parse-input.ts";

const NOT_DISTRIBUTOR = (userId: string) =>
  notFound("distributor_not_found", "this user is not a distributor", { userId });

/** Tiers, distributors, the team relation and applications. */
export function distributorOps(deps: DistributionDeps) {
  const { sql, clock } = deps;

  async function tier(db: { query: SqlTx["query"] }, id: string): Promise<Tier> {
    const [t] = await db.query<Tier>(tierSql(id));
    if (!t) throw notFound("tier_not_found", `no tier ${id} (see distributor tiers)`, { tierId: id });
    return t;
  }

  async function defaultTier(db: { query: SqlTx["query"] }): Promise<string> {
    if (deps.defaultTierId) return deps.defaultTierId;
    const [first] = await db.query<Tier>(tiersSql());
    if (!first) throw notFound("tier_not_found", "no distributor tiers are defined");
    return first.id;
  }

  async function add(ctx: CoreContext, input: unknown) {
    const p = parseInput(addDistributorSchema, input);
    return sql.transaction(async (tx) => {
      const tierId = p.tierId ?? (await defaultTier(tx));
      await tier(tx, tierId);
      if (p.parentId) await canLead(tx, p.parentId);
      const [row] = await tx.query<Distributor>(
        insertDistributorSql(p.userId, tierId, p.parentId ?? null, clock.now()),
      );
      if (row) return { distributor: row, created: true };
      const [existing] = await tx.query<Distributor>(distributorSql(p.userId));
      if (!existing) throw notFound("user_not_found", "no such user", { userId: p.userId });
      return { distributor: existing, created: false };
    });
  }

  /** An L1 may lead a team when it has no L1 itself and its tier allows sub-levels. */
  async function canLead(tx: SqlTx, l1: string): Promise<Distributor> {
    const [lead] = await tx.query<Distributor>(distributorForUpdateSql(l1));
    if (!lead) throw NOT_DISTRIBUTOR(l1);
    if (lead.parentId) throw conflict("team_too_deep", "an L2 cannot recruit: the chain has at most two levels");
    const t = await tier(tx, lead.tierId);
    if (t.maxLevels < 1)
      throw conflict("tier_no_team", `tier ${t.nameEn} (${t.nameZh}) may not have sub-distributors`, {
        tierId: t.id,
      });
    return lead;
  }

  /**
   * The L1 an approved applicant joins: its referrer, when that is a distributor that may lead a team (no L1
   * of its own, a tier with sub-levels), locked like `recruit` locks it; else none (a plain L1).
   */
  async function teamOf(tx: SqlTx, userId: string): Promise<string | null> {
    const [u] = await tx.query<{ referredBy: string | null }>(referrerOfSql(userId));
    if (!u?.referredBy) return null;
    const [lead] = await tx.query<Distributor>(distributorForUpdateSql(u.referredBy));
    if (!lead || lead.parentId) return null;
    return (await tier(tx, lead.tierId)).maxLevels >= 1 ? lead.userId : null;
  }

  /** The user joins the L1's team (becoming a distributor at the default tier if it is not one). */
  async function recruit(ctx: CoreContext, input: unknown) {
    const p = parseInput(recruitSchema, input);
    if (p.l1 === p.userId) throw invalidData("invalid_input", "a distributor cannot recruit itself");
    return sql.transaction(async (tx) => {
      await canLead(tx, p.l1);
      const tierId = await defaultTier(tx);
      await tx.query(insertDistributorSql(p.userId, tierId, p.l1, clock.now()));
      const [row] = await tx.query<Distributor>(distributorSql(p.userId));
      if (!row) throw notFound("user_not_found", "no such user", { userId: p.userId });
      if (row.parentId === p.l1) return row;
      const [moved] = await tx.query<Distributor>(setParentSql(p.userId, p.l1));
      if (!moved)
        throw conflict(
          "already_in_team",
          row.parentId ? "this distributor already has an L1" : "this distributor leads a team of its own",
        );
      return moved;
    });
  }

  async function setTier(ctx: CoreContext, input: unknown) {
    const p = parseInput(setTierSchema, input);
    return sql.transaction(async (tx) => {
      await tier(tx, p.tierId);
      const [row] = await tx.query<Distributor & { fromTier: string }>(
        setTierSql(p.userId, p.tierId, p.pin ?? null, clock.now()),
      );
      if (!row) throw NOT_DISTRIBUTOR(p.userId);
      const { fromTier, ...distributor } = row;
      if (fromTier !== p.tierId)
        await recordEvents(tx, [
          {
            type: "distributor.tier_changed",
            payload: { userId: p.userId, fromTier, toTier: p.tierId, reason: "staff" },
          },
        ]);
      return distributor;
    });
  }

  async function updateTier(ctx: CoreContext, input: UpdateTierInput) {
    const p = parseInput(updateTierSchema, input);
    const current = await tier(sql, p.id);
    const next: Tier = { ...current, ...Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) };
    const [row] = await sql.query<Tier>(updateTierSql(next, clock.now()));
    return row!;
  }

  return {
    tiers: (_ctx: CoreContext) => sql.query<Tier>(tiersSql()),
    tier: (_ctx: CoreContext, id: string) => tier(sql, id),
    updateTier,
    async setTierPrice(_ctx: CoreContext, input: unknown) {
      const p = parseInput(tierPriceSchema, input);
      await tier(sql, p.tierId);
      if (p.price === null) await sql.execute(clearTierPriceSql(p.tierId, p.productId));
      else await sql.execute(setTierPriceSql(p.tierId, p.productId, p.price));
    },
    add,
    async get(_ctx: CoreContext, userId: string): Promise<Distributor | null> {
      const id = parseInput(userIdSchema, userId);
      return (await sql.query<Distributor>(distributorSql(id)))[0] ?? null;
    },
    list: (_ctx: CoreContext, opts: { tierId?: string; limit?: number } = {}) =>
      sql.query<Distributor>(listDistributorsSql(opts.tierId ?? null, Math.max(1, Math.min(500, opts.limit ?? 100)))),
    team: (_ctx: CoreContext, l1: string) => sql.query<Distributor>(teamSql(parseInput(userIdSchema, l1))),
    recruit,
    setTier,
    async pin(_ctx: CoreContext, input: unknown) {
      const p = parseInput(pinSchema, input);
      const [row] = await sql.query<Distributor>(setPinnedSql(p.userId, p.pinned));
      if (!row) throw NOT_DISTRIBUTOR(p.userId);
      return row;
    },
    async apply(_ctx: CoreContext, userId: string): Promise<DistributorApplication> {
      const id = parseInput(userIdSchema, userId);
      if ((await sql.query(distributorSql(id))).length > 0)
        throw conflict("already_distributor", "you are a distributor already");
      // A new (or renewed, after a rejection) application tells staff, in the same commit.
      const row = await sql.transaction(async (tx) => {
        const [inserted] = await tx.query<DistributorApplication>(applySql(id, clock.now()));
        if (inserted) await recordEvents(tx, [{ type: "distributor.applied", payload: { userId: id } }]);
        return inserted;
      });
      if (row) return row;
      const [existing] = await sql.query<DistributorApplication>(applicationSql(id));
      if (!existing) throw notFound("user_not_found", "no such user");
      return existing;
    },
    applications: (_ctx: CoreContext, opts: { limit?: number } = {}) =>
      sql.query<DistributorApplication>(pendingApplicationsSql(Math.max(1, Math.min(200, opts.limit ?? 50)))),
    /** The user's application (null: never applied), for the applicant's own screen. */
    async application(_ctx: CoreContext, userId: string): Promise<DistributorApplication | null> {
      const id = parseInput(userIdSchema, userId);
      return (await sql.query<DistributorApplication>(applicationSql(id)))[0] ?? null;
    },
    /**
     * Staff decide a pending application; approval makes the user a distributor at the default tier — in the
     * team of the L1 whose link brought them (docs/distribution.md "Referrals"), when that L1 may lead one.
     * The applicant is told (`distributor.application_decided`).
     */
    async decide(ctx: CoreContext, input: unknown) {
      const p = parseInput(decideSchema, input);
      const by = describeActor(ctx.actor.kind === "system" && ctx.actor.onBehalfOf ? ctx.actor.onBehalfOf : ctx.actor);
      return sql.transaction(async (tx) => {
        const [app] = await tx.query<DistributorApplication>(
          decideApplicationSql(p.userId, p.approve ? "APPROVED" : "REJECTED", by, p.note ?? null, clock.now()),
        );
        if (!app) throw conflict("application_not_pending", "there is no pending application from this user");
        let made: Distributor | undefined;
        if (p.approve) {
          const parentId = await teamOf(tx, p.userId);
          made = (
            await tx.query<Distributor>(insertDistributorSql(p.userId, await defaultTier(tx), parentId, clock.now()))
          )[0];
        }
        await recordEvents(tx, [
          {
            type: "distributor.application_decided",
            payload: {
              userId: app.userId,
              status: p.approve ? "APPROVED" : "REJECTED",
              note: app.note,
              tierId: made?.tierId ?? null,
              parentId: made?.parentId ?? null,
            },
          },
        ]);
        return app;
      });
    },
  };
}
