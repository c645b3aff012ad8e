/*
 * Order numbers (`K7M2-9QX4`): 7 Crockford base32 characters and a Luhn mod 32 check character. The
 * database assigns them (the `orders.number` default, migration 20261222000000_order_numbers); this file
 * reads what people type: any case, with or without `#`, spaces or the dash, and Crockford's look-alikes
 * (I and L for 1, O for 0). A wrong check character is caught here, without a query.
 */

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const BODY_LENGTH = 7;

export type OrderRef =
  | { kind: "id"; orderId: string }
  | { kind: "number"; number: string }
  /** Looks like an order number, but its check character does not match: a typo. */
  | { kind: "mistyped"; number: string }
  | { kind: "invalid" };

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The Luhn mod 32 check character of `body` (characters of the alphabet). */
export function orderNumberCheck(body: string): string {
  let sum = 0;
  let factor = 2;
  for (let i = body.length - 1; i >= 0; i--) {
    const a = factor * ALPHABET.indexOf(body[i]!);
    sum += Math.floor(a / 32) + (a % 32);
    factor = 3 - factor;
  }
  return ALPHABET[(32 - (sum % 32)) % 32]!;
}

/** The stored and shown form of 8 canonical characters: `XXXX-XXXX`. */
const display = (chars: string) => `${chars.slice(0, 4)}-${chars.slice(4)}`;

/** What an operator or buyer typed, as an order id or an order number (or why it is neither). */
export function parseOrderRef(raw: string): OrderRef {
  const s = raw.trim().replace(/^#/, "").trim();
  if (UUID_RE.test(s)) return { kind: "id", orderId: s.toLowerCase() };
  const chars = s.toUpperCase().replace(/[\s-]/g, "").replace(/[IL]/g, "1").replace(/O/g, "0");
  if (chars.length !== BODY_LENGTH + 1 || [...chars].some((c) => !ALPHABET.includes(c))) return { kind: "invalid" };
  const body = chars.slice(0, BODY_LENGTH);
  return orderNumberCheck(body) === chars[BODY_LENGTH]
    ? { kind: "number", number: display(chars) }
    : { kind: "mistyped", number: display(chars) };
}

/** Whether `s` is an order number in its stored form. */
export const isOrderNumber = (s: string): boolean =>
  /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/.test(s) && parseOrderRef(s).kind === "number";
