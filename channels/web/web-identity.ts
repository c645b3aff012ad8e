import { createHmac, randomBytes } from "node:crypto";
import { constantTimeEqual } from "../../core/shared/index.ts";

/**
 * Per-browser identity without an account: the server issues a random browser id and a token
 * `<id>.<HMAC(secret, id)>`; the page keeps it in localStorage and sends it as a bearer token.
 * Without the secret nobody can mint a token for another browser's id.
 */
export interface WebTokens {
  issue(): { browserId: string; token: string };
  verify(token: string | undefined | null): string | null;
}

const ID_RE = /^w[A-Za-z0-9_-]{22}$/;

export function createWebTokens(secret: string | Buffer): WebTokens {
  const key = typeof secret === "string" ? Buffer.from(secret) : secret;
  if (key.length < 16) throw new Error("the web chat secret must be at least 16 bytes");
  const sign = (id: string) => createHmac("sha256", key).update(`web-chat\0${id}`).digest("base64url");
  return {
    issue() {
      const browserId = `w${randomBytes(16).toString("base64url")}`;
      return { browserId, token: `${browserId}.${sign(browserId)}` };
    },
    verify(token) {
      if (!token || token.length > 200) return null;
      const i = token.indexOf(".");
      if (i < 0) return null;
      const id = token.slice(0, i);
      if (!ID_RE.test(id)) return null;
      return constantTimeEqual(token.slice(i + 1), sign(id)) ? id : null;
    },
  };
}
