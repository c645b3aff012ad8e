import { createHmac, timingSafeEqual } from "node:crypto";

/** Telegram's limit for a button's callback data, in bytes. */
export const MAX_CALLBACK_BYTES = 64;
const MAC_LEN = 8;

export interface ButtonSigner {
  /** `body~mac`; throws when it would not fit in a button. */
  sign(body: string): string;
  /** Whether `body` would still fit once signed. */
  fits(body: string): boolean;
  /** The body of data this key signed, or null (forged, of another key, too long, not ours). */
  open(data: unknown): string | null;
}

/**
 * Every bot's button data is `body~mac`: a short HMAC (48 bits) under the bot's key, so a forged or edited
 * button is refused before anything is parsed. `domain` keeps one key's signatures apart between bots.
 */
export function buttonSigner(key: string | Buffer, domain = ""): ButtonSigner {
  const k = typeof key === "string" ? Buffer.from(key) : key;
  if (k.length < 16) throw new Error("the button signing key must be at least 16 bytes");
  const mac = (b: string) =>
    createHmac("sha256", k).update(`${domain}${b}`).digest().subarray(0, 6).toString("base64url");
  const fits = (b: string) => Buffer.byteLength(b) + 1 + MAC_LEN <= MAX_CALLBACK_BYTES;
  return {
    fits,
    sign(b) {
      const data = `${b}~${mac(b)}`;
      if (!fits(b)) throw new Error(`callback data too long: ${data}`);
      return data;
    },
    open(data) {
      if (typeof data !== "string" || Buffer.byteLength(data) > MAX_CALLBACK_BYTES) return null;
      const i = data.lastIndexOf("~");
      if (i <= 0) return null;
      const b = data.slice(0, i);
      const got = Buffer.from(data.slice(i + 1));
      const want = Buffer.from(mac(b));
      return got.length === want.length && timingSafeEqual(got, want) ? b : null;
    },
  };
}
