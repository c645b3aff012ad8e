import { packUuid, unpackUuid } from "../shop/callback-data.ts";
import { buttonSigner } from "../signed-button-data.ts";

/**
 * The group-shop bot's button data: `gs:<op>:<ids>:<page>~<mac>`, ids as 22 base64url characters, signed
 * with the bot's key. The `gs:` prefix tells the router a press is this bot's even in a group that is not
 * bound yet (the shop choice of /bindshop). Every button names the shop it was drawn for, so a press after
 * the group was rebound is recognised as stale.
 */
export const GROUPSHOP_BUTTON_PREFIX = "gs:";

export type GroupAction =
  | { op: "window"; shopId: string; page: number }
  | { op: "category"; shopId: string; categoryId: string; page: number }
  | { op: "product"; shopId: string; productId: string }
  | { op: "bind"; shopId: string };

export const isGroupShopButton = (data: string): boolean => data.startsWith(GROUPSHOP_BUTTON_PREFIX);

function body(a: GroupAction): string {
  switch (a.op) {
    case "window":
      return `gs:w:${packUuid(a.shopId)}:${a.page.toString(36)}`;
    case "category":
      return `gs:c:${packUuid(a.shopId)}${packUuid(a.categoryId)}:${a.page.toString(36)}`;
    case "product":
      return `gs:p:${packUuid(a.shopId)}${packUuid(a.productId)}`;
    case "bind":
      return `gs:b:${packUuid(a.shopId)}`;
  }
}

function parse(b: string): GroupAction | null {
  const m = /^gs:([wcpb]):([A-Za-z0-9_-]{22})([A-Za-z0-9_-]{22})?(?::([0-9a-z]{1,4}))?$/.exec(b);
  if (!m) return null;
  const [, op, first, second, pageText] = m;
  const shopId = unpackUuid(first);
  const otherId = second === undefined ? null : unpackUuid(second);
  const page = pageText === undefined ? null : parseInt(pageText, 36);
  if (!shopId) return null;
  if (op === "w" && !second && page !== null) return { op: "window", shopId, page };
  if (op === "c" && otherId && page !== null) return { op: "category", shopId, categoryId: otherId, page };
  if (op === "p" && otherId && page === null) return { op: "product", shopId, productId: otherId };
  if (op === "b" && !second && page === null) return { op: "bind", shopId };
  return null;
}

export function createGroupButtonCodec(key: string) {
  const signer = buttonSigner(key);
  return {
    encode: (a: GroupAction): string => signer.sign(body(a)),
    /** The action, or null for anything not signed by this bot (forged, or of another key). */
    decode(data: string): GroupAction | null {
      const b = signer.open(data);
      return b === null ? null : parse(b);
    },
  };
}

export type GroupButtonCodec = ReturnType<typeof createGroupButtonCodec>;
