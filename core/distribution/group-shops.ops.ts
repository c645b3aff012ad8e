import { z } from "zod";
import { authorize, CHAT_CHANNELS, type ChatChannel, type CoreContext } from "../shared/index.ts";
import { chainQuote } from "./chain-quote.ts";
import type { DistributionDeps } from "./distribution-deps.ts";
import { distributorSql, shopSql } from "./distribution.sql.ts";
import type { Distributor, DistributorShop } from "./distribution.types.ts";
import {
  bindGroupSql,
  feedTargetsSql,
  groupBindingSql,
  setSalesFeedSql,
  unbindGroupSql,
  windowCategoriesSql,
  windowProductsSql,
} from "./group-shops.sql.ts";
import type {
  BindGroupResult,
  GroupShopBinding,
  SalesFeedTarget,
  SetSalesFeedResult,
  UnbindGroupResult,
  WindowCategory,
  WindowProduct,
} from "./group-shops.types.ts";
import { parseInput } from "./parse-input.ts";

/** How long a group's binding is trusted in a process that did not change it (the router asks on every group turn). */
export const GROUP_BINDING_TTL_MS = 10_000;
const MAX_CACHED = 20_000;

const uuid = (what: string) =>
  z
    .string()
    .uuid({ message: `must be ${what} id` })
    .transform((s) => s.toLowerCase());
const group = { channel: z.enum(CHAT_CHANNELS), chatId: z.string().trim().min(1).max(64) };
const bindSchema = z.object({ ...group, shopId: uuid("a shop"), callerIsGroupAdmin: z.boolean() });
const groupSchema = z.object(group);
const feedSchema = z.object({ ...group, on: z.boolean(), callerIsGroupAdmin: z.boolean() });
const windowSchema = z.object({ shopId: uuid("a shop"), categoryId: uuid("a category").optional() });
const productSchema = z.object({ shopId: uuid("a shop"), productId: uuid("a product") });

/**
 * Group shops (docs/distribution.md "Group shops"): a chat group bound to one distributor's shop, its
 * window at the shop's prices, and the opt-in sales feed. One group shows one shop; a shop may be shown in
 * several groups. Each call authorizes itself once it has read the shop (the owner, or staff).
 */
export function groupShopOps(deps: DistributionDeps) {
  const { sql, clock } = deps;
  const cache = new Map<string, { until: number; shopId: string | null }>();
  const keyOf = (channel: string, chatId: string) => `${channel}:${chatId}`;
  const remember = (channel: string, chatId: string, shopId: string | null) => {
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(keyOf(channel, chatId), { until: clock.now().getTime() + GROUP_BINDING_TTL_MS, shopId });
  };

  const binding = async (channel: string, chatId: string) =>
    (await sql.query<GroupShopBinding>(groupBindingSql(channel, chatId)))[0] ?? null;
  const shopOf = async (id: string) => (await sql.query<DistributorShop>(shopSql(id)))[0] ?? null;
  /** A customer (buyer or distributor actor) acting for themselves; staff and the system are not. */
  const customer = (ctx: CoreContext) =>
    ctx.actor.kind === "buyer" || ctx.actor.kind === "distributor" ? ctx.actor.userId : null;

  async function price(ctx: CoreContext, shop: DistributorShop, p: Omit<WindowProduct, "price">) {
    const q = await chainQuote(deps, ctx, {
      productId: p.id,
      categoryId: p.categoryId,
      retail: BigInt(p.retail),
      // The window is the same for everyone in the group: priced as the shop's owner's chain prices any buyer.
      buyerUserId: shop.ownerId,
      shopId: shop.id,
    });
    const last = q.ok ? q.chain?.levels.at(-1) : undefined;
    return { ...p, retail: BigInt(p.retail), currency: p.currency.trim(), price: last?.unitSale ?? BigInt(p.retail) };
  }

  return {
    /**
     * Binds a group to one of the caller's shops. The caller must be a distributor who owns the shop, and
     * an admin of the group — which only the channel can tell: the bot asks it and passes the answer.
     */
    async bindGroup(ctx: CoreContext, input: unknown): Promise<BindGroupResult> {
      const p = parseInput(bindSchema, input);
      const me = customer(ctx);
      if (!me) return { ok: false, code: "not_distributor" };
      authorize(ctx, "shops.manage", { owner: me });
      const [d] = await sql.query<Distributor>(distributorSql(me));
      if (!d) return { ok: false, code: "not_distributor" };
      const shop = await shopOf(p.shopId);
      if (!shop || shop.ownerId !== me) return { ok: false, code: "shop_not_found" };
      if (!p.callerIsGroupAdmin) return { ok: false, code: "not_group_admin" };
      const [row] = await sql.query<GroupShopBinding>(bindGroupSql(p.channel, p.chatId, shop.id, me, clock.now()));
      if (!row) return { ok: false, code: "bound_to_other_owner" };
      remember(p.channel, p.chatId, row.shopId);
      return { ok: true, binding: row, shop: { id: shop.id, name: shop.name } };
    },

    /** Unbinds a group: the bound shop's owner, or staff who manage distribution. */
    async unbindGroup(ctx: CoreContext, input: unknown): Promise<UnbindGroupResult> {
      const p = parseInput(groupSchema, input);
      const b = await binding(p.channel, p.chatId);
      if (!b) {
        remember(p.channel, p.chatId, null);
        return { ok: false, code: "not_bound" };
      }
      if (ctx.actor.kind === "staff") authorize(ctx, "distribution.manage");
      else {
        const shop = await shopOf(b.shopId);
        if (!shop || shop.ownerId !== customer(ctx)) return { ok: false, code: "not_shop_owner" };
      }
      const [row] = await sql.query<GroupShopBinding>(unbindGroupSql(p.channel, p.chatId, b.shopId));
      remember(p.channel, p.chatId, null);
      return row ? { ok: true, binding: row } : { ok: false, code: "not_bound" };
    },

    /** The opt-in sales feed: the shop's owner, an admin of the group (the bot asks the channel), or staff. */
    async setGroupSalesFeed(ctx: CoreContext, input: unknown): Promise<SetSalesFeedResult> {
      const p = parseInput(feedSchema, input);
      const b = await binding(p.channel, p.chatId);
      if (!b) return { ok: false, code: "not_bound" };
      if (ctx.actor.kind === "staff") authorize(ctx, "distribution.manage");
      else if (!p.callerIsGroupAdmin && (await shopOf(b.shopId))?.ownerId !== customer(ctx))
        return { ok: false, code: "not_allowed" };
      const [row] = await sql.query<GroupShopBinding>(setSalesFeedSql(p.channel, p.chatId, p.on));
      return row ? { ok: true, binding: row } : { ok: false, code: "not_bound" };
    },

    /**
     * The shop a group is bound to (null: none) — the router's hot path. Answers are remembered for
     * `GROUP_BINDING_TTL_MS` in this process; a bind or unbind made here is seen at once, one made in
     * another process within that time.
     */
    async groupShopOf(_ctx: CoreContext, channel: ChatChannel, chatId: string): Promise<{ shopId: string } | null> {
      const hit = cache.get(keyOf(channel, chatId));
      if (hit && hit.until > clock.now().getTime()) return hit.shopId ? { shopId: hit.shopId } : null;
      const b = await binding(channel, chatId);
      remember(channel, chatId, b?.shopId ?? null);
      return b ? { shopId: b.shopId } : null;
    },

    /** The group's binding, as stored (feed flag included). */
    groupBinding: (_ctx: CoreContext, channel: ChatChannel, chatId: string) => binding(channel, chatId),

    /** The shop's window: categories that have something to sell. Null when the shop does not exist. */
    async shopWindow(_ctx: CoreContext, shopId: string) {
      const p = parseInput(windowSchema, { shopId });
      const shop = await shopOf(p.shopId);
      if (!shop) return null;
      const categories = await sql.query<WindowCategory>(windowCategoriesSql());
      return { shop: { id: shop.id, name: shop.name }, categories };
    },

    /** One category's products at the shop's sale prices. Null when the shop does not exist. */
    async shopProducts(ctx: CoreContext, input: { shopId: string; categoryId: string }) {
      const p = parseInput(windowSchema, input);
      const shop = await shopOf(p.shopId);
      if (!shop) return null;
      const rows = await sql.query<Omit<WindowProduct, "price">>(windowProductsSql(p.categoryId ?? null, null));
      return Promise.all(rows.map((r) => price(ctx, shop, r)));
    },

    /** One product at the shop's sale price (null: no such shop or no such active product). */
    async shopProduct(ctx: CoreContext, input: { shopId: string; productId: string }) {
      const p = parseInput(productSchema, input);
      const shop = await shopOf(p.shopId);
      if (!shop) return null;
      const [row] = await sql.query<Omit<WindowProduct, "price">>(windowProductsSql(null, p.productId));
      return row ? price(ctx, shop, row) : null;
    },

    /** The groups to tell about this delivered order (its shop's groups with the feed on). */
    salesFeedTargets: (_ctx: CoreContext, orderId: string) =>
      sql.query<SalesFeedTarget>(feedTargetsSql(parseInput(uuid("an order"), orderId))),
  };
}
