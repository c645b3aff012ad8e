import { createHash, randomInt } from "node:crypto";

/** Unambiguous alphabet (no 0/O, 1/I/L): 31 symbols, 8 of them ≈ 40 bits; codes live minutes and are single-use. */
const ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
export const LINK_CODE_LENGTH = 8;

export function generateLinkCode(random: (max: number) => number = randomInt): string {
  let s = "";
  for (let i = 0; i < LINK_CODE_LENGTH; i++) s += ALPHABET[random(ALPHABET.length)];
  return `${s.slice(0, 4)}-${s.slice(4)}`;
}

/** What users type → canonical form: case, spaces and dashes do not matter. Null when it cannot be a code. */
export function normalizeLinkCode(raw: string): string | null {
  const s = raw.toUpperCase().replace(/[\s-]/g, "");
  if (s.length !== LINK_CODE_LENGTH) return null;
  for (const ch of s) if (!ALPHABET.includes(ch)) return null;
  return s;
}

export type CodeHasher = (normalized: string) => string;

export const sha256Hasher: CodeHasher = (s) => createHash("sha256").update(`link-code\0${s}`).digest("hex");
