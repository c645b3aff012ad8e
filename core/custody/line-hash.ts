import { createHash } from "node:crypto";
import type { StatementLine } from "./statement-csv.ts";

/**
 * Identifies a booked line across statement files: the bank's serial number when the file has one (with
 * the date and amount), otherwise every field the line has plus how many identical lines came before it in
 * the same file — so two equal transfers on one day stay two lines, and the same file read again gives
 * the same hashes (re-importing it changes nothing; an overlapping statement adds only what is new).
 */
export function lineHashes(lines: readonly StatementLine[]): string[] {
  const seen = new Map<string, number>();
  return lines.map((l) => {
    const base = l.serial
      ? ["serial", l.currency, l.serial, l.bookedAt.toISOString().slice(0, 10), l.amount.toString()]
      : ["line", l.currency, l.bookedAt.toISOString(), l.amount.toString(), l.reference, l.counterparty];
    const key = base.join("\u0000");
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return createHash("sha256").update(key).update(`\u0000#${n}`).digest("hex");
  });
}

export const fileHash = (bytes: Uint8Array, currency: string) =>
  createHash("sha256").update(currency).update("\u0000").update(bytes).digest("hex");
