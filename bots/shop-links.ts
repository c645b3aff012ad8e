/**
 * The `/start` payloads that carry a distributor's shop into a private chat (Telegram allows 64
 * characters of [A-Za-z0-9_-]): `shop_<shopId>` opens the shop's window, and `sp_<shop><product>` (both
 * uuids as 22 base64url characters) opens one product of it at the shop's price.
 */
export type ShopLink = { shopId: string; productId?: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuidToB64(id: string): string {
  return Buffer.from(id.replace(/-/g, ""), "hex").toString("base64url");
}

function b64ToUuid(s: string): string | null {
  if (!/^[A-Za-z0-9_-]{22}$/.test(s)) return null;
  const hex = Buffer.from(s, "base64url").toString("hex");
  // Non-canonical spellings (stray low bits in the last character) are refused: one link per shop.
  if (hex.length !== 32 || Buffer.from(hex, "hex").toString("base64url") !== s) return null;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function shopLinkPayload(link: ShopLink): string {
  if (!UUID.test(link.shopId)) throw new Error("shopLinkPayload: shopId is not a uuid");
  if (link.productId === undefined) return `shop_${link.shopId.toLowerCase()}`;
  if (!UUID.test(link.productId)) throw new Error("shopLinkPayload: productId is not a uuid");
  return `sp_${uuidToB64(link.shopId)}${uuidToB64(link.productId)}`;
}

/** The shop (and product) a `/start` payload names, or null when it names none. */
export function parseShopLink(payload: string): ShopLink | null {
  const shop = /^shop_([0-9a-f-]{36})$/i.exec(payload)?.[1];
  if (shop) return UUID.test(shop) ? { shopId: shop.toLowerCase() } : null;
  const sp = /^sp_([A-Za-z0-9_-]{22})([A-Za-z0-9_-]{22})$/.exec(payload);
  if (!sp) return null;
  const shopId = b64ToUuid(sp[1]!);
  const productId = b64ToUuid(sp[2]!);
  return shopId && productId ? { shopId, productId } : null;
}
