import type { ChatChannel } from "../shared/index.ts";

/** A chat group bound to a distributor's shop: the group shows that shop's window at its prices. */
export interface GroupShopBinding {
  channel: ChatChannel;
  chatId: string;
  shopId: string;
  boundBy: string;
  boundAt: Date;
  /** Opt-in: "someone just bought X" lines in the group. */
  salesFeed: boolean;
}

export type BindGroupResult =
  | { ok: true; binding: GroupShopBinding; shop: { id: string; name: string } }
  /** not_distributor: the caller is no distributor; shop_not_found: no such shop of the caller's. */
  | { ok: false; code: "not_distributor" | "shop_not_found" | "not_group_admin" | "bound_to_other_owner" };

export type UnbindGroupResult =
  { ok: true; binding: GroupShopBinding } | { ok: false; code: "not_bound" | "not_shop_owner" };

export type SetSalesFeedResult =
  { ok: true; binding: GroupShopBinding } | { ok: false; code: "not_bound" | "not_allowed" };

export interface WindowCategory {
  id: string;
  nameZh: string;
  nameEn: string;
}

/** A product in a shop's window, at the shop's sale price (the price chain's, as an order would be priced now). */
export interface WindowProduct {
  id: string;
  categoryId: string;
  nameZh: string;
  nameEn: string;
  currency: string;
  retail: bigint;
  price: bigint;
  deliveryKind: string;
}

/** A group to tell about a sale in its shop (names only: never the buyer, never a code). */
export interface SalesFeedTarget {
  channel: ChatChannel;
  chatId: string;
  shopId: string;
  ownerId: string;
  shopName: string;
  nameZh: string;
  nameEn: string;
  quantity: number;
}
