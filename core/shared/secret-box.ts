import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Encrypts secrets at rest (card codes, supplier keys, ID numbers) with AES-256-GCM and derives keyed
 * hashes for lookups and dedupe without decrypting. Format: `v1.<iv>.<tag>.<ciphertext>` (base64url).
 */
export class SecretBox {
  private readonly encKey: Buffer;
  private readonly macKey: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error("the encryption key must be 32 bytes");
    this.encKey = createHmac("sha256", masterKey).update("kameng/enc/v1").digest();
    this.macKey = createHmac("sha256", masterKey).update("kameng/mac/v1").digest();
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.encKey, iv);
    const ct = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return ["v1", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), ct.toString("base64url")].join(
      ".",
    );
  }

  decrypt(sealed: string): string {
    const [v, iv, tag, ct] = sealed.split(".");
    if (v !== "v1" || !iv || !tag || ct === undefined) throw new Error("unknown secret format");
    const decipher = createDecipheriv("aes-256-gcm", this.encKey, Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
  }

  /** Deterministic keyed hash (HMAC-SHA256, hex): equal inputs give equal hashes, but the input cannot be guessed offline. */
  keyedHash(value: string, purpose = "default"): string {
    return createHmac("sha256", this.macKey).update(purpose).update("\0").update(value).digest("hex");
  }
}

export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
