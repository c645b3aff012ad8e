import { buttonSigner, MAX_CALLBACK_BYTES } from "../signed-button-data.ts";

/**
 * Compact, signed button data (Telegram allows 64 bytes). Layout: `<op><fields joined by ".">~<mac>`,
 * where mac = 8 base64url chars (48 bits) of HMAC-SHA256(key, body). UUIDs travel as 22 base64url
 * chars, numbers in base 36. Anything that fails to parse or verify decodes to `null`: the bot
 * answers "this button is no longer valid" and does nothing else.
 */
export { MAX_CALLBACK_BYTES };

export type Action =
  | { op: "menu" }
  | { op: "categories" }
  | { op: "category"; categoryId: string }
  | { op: "product"; productId: string; version: number; price: bigint | null }
  | { op: "qty"; productId: string; version: number; price: bigint | null; quantity: number | null }
  | { op: "confirm"; nonce: string }
  | { op: "topup_for"; nonce: string }
  | { op: "stars_for"; nonce: string }
  | { op: "cancel" }
  | { op: "orders" }
  | { op: "order"; orderId: string }
  | { op: "resend"; orderId: string }
  | { op: "balance" }
  | { op: "topup_menu" }
  | { op: "topup"; amount: bigint; currency: string }
  | { op: "help" }
  | { op: "lang_menu" }
  | { op: "lang"; locale: "zh-CN" | "en" }
  | { op: "link_menu" }
  | { op: "link_new" }
  | { op: "link_enter" }
  | { op: "notify"; productId: string };

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NONCE_RE = /^[A-Za-z0-9_-]{6,16}$/;
const B36_RE = /^[0-9a-z]{1,13}$/;

export function packUuid(id: string): string {
  if (!UUID_RE.test(id)) throw new Error(`not a uuid: ${id}`);
  return Buffer.from(id.replace(/-/g, ""), "hex").toString("base64url");
}

export function unpackUuid(s: string | undefined): string | null {
  if (!s || !/^[A-Za-z0-9_-]{22}$/.test(s)) return null;
  const hex = Buffer.from(s, "base64url").toString("hex");
  if (hex.length !== 32) return null;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const num = (s: string | undefined): number | null =>
  s && B36_RE.test(s) && parseInt(s, 36) <= Number.MAX_SAFE_INTEGER ? parseInt(s, 36) : null;
const big = (s: string | undefined): bigint | null => {
  if (!s || !B36_RE.test(s)) return null;
  let v = 0n;
  for (const ch of s) v = v * 36n + BigInt(parseInt(ch, 36));
  return v;
};
const b36 = (n: number | bigint) => n.toString(36);

function body(a: Action): string {
  switch (a.op) {
    case "menu":
      return "M";
    case "categories":
      return "C";
    case "category":
      return `K${packUuid(a.categoryId)}`;
    case "product":
      return `P${packUuid(a.productId)}.${b36(a.version)}.${a.price === null ? "" : b36(a.price)}`;
    case "qty":
      return `Q${packUuid(a.productId)}.${b36(a.version)}.${a.price === null ? "" : b36(a.price)}.${a.quantity === null ? "x" : b36(a.quantity)}`;
    case "confirm":
      return `Y${a.nonce}`;
    case "topup_for":
      return `U${a.nonce}`;
    case "stars_for":
      return `S${a.nonce}`;
    case "cancel":
      return "N";
    case "orders":
      return "O";
    case "order":
      return `O${packUuid(a.orderId)}`;
    case "resend":
      return `R${packUuid(a.orderId)}`;
    case "balance":
      return "B";
    case "topup_menu":
      return "T";
    case "topup":
      return `T${b36(a.amount)}.${a.currency}`;
    case "help":
      return "H";
    case "lang_menu":
      return "L";
    case "lang":
      return a.locale === "zh-CN" ? "Lz" : "Le";
    case "link_menu":
      return "X";
    case "link_new":
      return "XG";
    case "link_enter":
      return "XE";
    case "notify":
      return `W${packUuid(a.productId)}`;
  }
}

function parse(b: string): Action | null {
  const op = b[0];
  const rest = b.slice(1);
  const f = rest.split(".");
  switch (op) {
    case "M":
      return rest === "" ? { op: "menu" } : null;
    case "C":
      return rest === "" ? { op: "categories" } : null;
    case "K": {
      const categoryId = unpackUuid(rest);
      return categoryId ? { op: "category", categoryId } : null;
    }
    case "P": {
      if (f.length !== 3) return null;
      const productId = unpackUuid(f[0]);
      const version = num(f[1]);
      const price = f[2] === "" ? null : big(f[2]);
      if (!productId || version === null || (f[2] !== "" && price === null)) return null;
      return { op: "product", productId, version, price };
    }
    case "Q": {
      if (f.length !== 4) return null;
      const productId = unpackUuid(f[0]);
      const version = num(f[1]);
      const price = f[2] === "" ? null : big(f[2]);
      const quantity = f[3] === "x" ? null : num(f[3]);
      if (!productId || version === null || (f[2] !== "" && price === null) || (f[3] !== "x" && quantity === null))
        return null;
      return { op: "qty", productId, version, price, quantity };
    }
    case "Y":
    case "U":
    case "S": {
      if (!NONCE_RE.test(rest)) return null;
      return { op: op === "Y" ? "confirm" : op === "U" ? "topup_for" : "stars_for", nonce: rest };
    }
    case "N":
      return rest === "" ? { op: "cancel" } : null;
    case "O": {
      if (rest === "") return { op: "orders" };
      const orderId = unpackUuid(rest);
      return orderId ? { op: "order", orderId } : null;
    }
    case "R": {
      const orderId = unpackUuid(rest);
      return orderId ? { op: "resend", orderId } : null;
    }
    case "B":
      return rest === "" ? { op: "balance" } : null;
    case "T": {
      if (rest === "") return { op: "topup_menu" };
      const amount = big(f[0]);
      if (f.length !== 2 || amount === null || !/^[A-Z]{3}$/.test(f[1] ?? "")) return null;
      return { op: "topup", amount, currency: f[1]! };
    }
    case "H":
      return rest === "" ? { op: "help" } : null;
    case "L":
      if (rest === "") return { op: "lang_menu" };
      if (rest === "z") return { op: "lang", locale: "zh-CN" };
      if (rest === "e") return { op: "lang", locale: "en" };
      return null;
    case "X":
      if (rest === "") return { op: "link_menu" };
      if (rest === "G") return { op: "link_new" };
      if (rest === "E") return { op: "link_enter" };
      return null;
    case "W": {
      const productId = unpackUuid(rest);
      return productId ? { op: "notify", productId } : null;
    }
    default:
      return null;
  }
}

export interface CallbackCodec {
  encode(a: Action): string;
  decode(data: string): Action | null;
}

export function createCallbackCodec(key: string | Buffer): CallbackCodec {
  const signer = buttonSigner(key);
  return {
    encode(a) {
      let b = body(a);
      // A price too long to fit is dropped: the stale check then says "changed" without the old price.
      if ((a.op === "product" || a.op === "qty") && !signer.fits(b)) b = body({ ...a, price: null });
      return signer.sign(b);
    },
    decode(data) {
      const b = signer.open(data);
      return b === null ? null : parse(b);
    },
  };
}
