import { parseShopLink } from "../shop-links.ts";
import type { Reply } from "../turn.ts";
import type { createBrowse } from "./browse.ts";
import type { Session } from "./shop-bot.types.ts";
import type { Kit } from "./shop-kit.ts";

/** A `/start` payload that means to name a distributor's shop (well-formed or not). */
export const isShopPayload = (payload: string) => /^(shop|sp)_/i.test(payload);

/**
 * Entering a distributor's shop from its link (docs/distribution.md "Buying in a shop"): `/start shop_<id>`
 * opens its window, `/start sp_…` one product of it, at the shop's prices; the conversation then buys in
 * that shop, and the buyer is attributed to it if it is the first shop they came in by.
 */
export function createShopLink(
  k: Kit,
  browse: Pick<ReturnType<typeof createBrowse>, "productCard" | "categoriesView">,
) {
  const { ports, identity, t, getState, setState, mainMenu } = k;

  /** A malformed link, an unknown shop or a product not on sale: said so, and nothing changed. */
  async function open(s: Session, payload: string): Promise<Reply[]> {
    if (!s.isPrivate) return [mainMenu(s)];
    const link = parseShopLink(payload);
    if (!link) return [mainMenu(s, t(s, "shopctx.bad_link"))];
    const shop = ports.shops ? await ports.shops.get(s.ctx, link.shopId) : null;
    if (!shop) return [mainMenu(s, t(s, "shopctx.not_found"))];
    const product = link.productId ? await ports.catalog.getProduct(s.ctx, link.productId) : null;
    if (link.productId && !product?.active) return [mainMenu(s, t(s, "shopctx.product_not_found"))];
    await ports.shops!.attribute(s.ctx, { userId: s.user.id, shopId: shop.id });
    await identity.recordStartPayload(s.ctx, { userId: s.user.id, payload });
    await setState(s, (cur) => ({ done: cur.done, shopId: shop.id }));
    s.shop = Promise.resolve(shop);
    return product ? browse.productCard(s, product) : [await browse.categoriesView(s)];
  }

  /** Outside a shop's link (a plain `/start`): the conversation drops the linked shop. */
  async function leave(s: Session): Promise<void> {
    if (!ports.shops || !s.isPrivate) return;
    if ((await getState(s)).shopId) await setState(s, (cur) => ({ ...cur, shopId: undefined }));
    s.shop = undefined;
  }

  /** The shop the conversation was buying in is gone: it goes on outside it. */
  async function closed(s: Session): Promise<Reply[]> {
    await setState(s, (cur) => ({ done: cur.done, shopId: undefined }));
    s.shop = Promise.resolve(null);
    return [mainMenu(s, t(s, "shopctx.closed"))];
  }

  return { open, leave, closed };
}
