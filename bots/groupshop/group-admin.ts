import type { BindGroupResult, DistributorShop } from "../../core/distribution/index.ts";
import type { ChatChannel } from "../../core/shared/index.ts";
import type { Reply } from "../turn.ts";
import { plain } from "../turn.ts";
import type { GroupKit, GroupSession } from "./groupshop.types.ts";
import type { WindowViews } from "./window-views.ts";

/** /bindshop, /unbind and /salesfeed: the distributor's (and group admins') commands in a group. */
export function groupAdmin({ deps }: GroupKit, v: WindowViews) {
  const { distribution } = deps;
  const say = (s: GroupSession, key: Parameters<WindowViews["t"]>[1], params?: Parameters<WindowViews["t"]>[2]) =>
    ({ kind: "text", body: [plain(v.t(s, key, params))] }) as Reply;
  const where = (s: GroupSession) => ({ channel: s.turn.channel as ChatChannel, chatId: s.turn.chat.id });

  /** Whether the caller administers this group, as the channel says (a channel that cannot tell: no). */
  async function isAdmin(s: GroupSession): Promise<boolean> {
    const check = s.caps?.isGroupAdmin;
    return check ? check(s.turn.chat.id, s.turn.from.externalId) : false;
  }

  const list = (shops: DistributorShop[]) => shops.map((x, i) => `${i + 1}. ${x.name}`).join("\n");

  async function bindTo(s: GroupSession, shopId: string): Promise<Reply[]> {
    const r: BindGroupResult = await distribution.bindGroup(s.ctx, {
      ...where(s),
      shopId,
      callerIsGroupAdmin: await isAdmin(s),
    });
    if (!r.ok) {
      const key = {
        not_distributor: "groupshop.not_distributor",
        shop_not_found: "groupshop.shop_gone",
        not_group_admin: "groupshop.not_group_admin",
        bound_to_other_owner: "groupshop.bound_to_other",
      } as const;
      return [say(s, key[r.code])];
    }
    const window = await v.categories({ ...s, edit: false }, r.shop.id);
    return [say(s, "groupshop.bound", { shop: r.shop.name }), window];
  }

  /** `/bindshop [number]`: the caller's only shop, the numbered one, or a choice when there are several. */
  async function bindshop(s: GroupSession, payload: string): Promise<Reply[]> {
    // Checked here first only for a clear reason; the core checks all of it again when it binds.
    if (!(await distribution.get(s.ctx, s.userId))) return [say(s, "groupshop.not_distributor")];
    if (!(await isAdmin(s))) return [say(s, "groupshop.not_group_admin")];
    const shops = await distribution.shops(s.ctx, s.userId);
    if (!shops.length) return [say(s, "groupshop.no_shops")];
    if (payload) {
      const n = /^\d{1,3}$/.test(payload) ? Number(payload) : 0;
      const pick = shops[n - 1];
      if (!pick) return [say(s, "groupshop.unknown_shop_number", { input: payload.slice(0, 20), list: list(shops) })];
      return bindTo(s, pick.id);
    }
    if (shops.length === 1) return bindTo(s, shops[0]!.id);
    const rows = shops.slice(0, 20).map((x, i) => [v.btn(`${i + 1}. ${x.name}`, { op: "bind", shopId: x.id })]);
    return [{ ...say(s, "groupshop.choose_shop", { list: list(shops) }), buttons: rows } as Reply];
  }

  async function unbind(s: GroupSession): Promise<Reply[]> {
    const r = await distribution.unbindGroup(s.ctx, where(s));
    if (r.ok) return [say(s, "groupshop.unbound")];
    return [say(s, r.code === "not_bound" ? "groupshop.not_bound" : "groupshop.not_owner")];
  }

  async function salesfeed(s: GroupSession, payload: string): Promise<Reply[]> {
    const arg = payload.toLowerCase();
    if (arg !== "on" && arg !== "off") return [say(s, "groupshop.feed_usage")];
    const r = await distribution.setGroupSalesFeed(s.ctx, {
      ...where(s),
      on: arg === "on",
      callerIsGroupAdmin: await isAdmin(s),
    });
    if (r.ok) return [say(s, r.binding.salesFeed ? "groupshop.feed_on" : "groupshop.feed_off")];
    return [say(s, r.code === "not_bound" ? "groupshop.not_bound" : "groupshop.feed_not_allowed")];
  }

  return { bindshop, bindTo, unbind, salesfeed };
}
