import { createHash } from "node:crypto";
import type { AuditEntry } from "./audit.types.ts";

/** The hash the chain starts from (the head's before the first row). */
export const GENESIS_HASH = "0".repeat(64);

/** An object's defined entries in key order: what `canonicalJson` writes, one `"key":value` each. */
function sortedParts(value: Record<string, unknown>): string[] {
  return Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
}

/** JSON with object keys sorted at every level, so what was hashed can be hashed again from the stored jsonb. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  return `{${sortedParts(value as Record<string, unknown>).join(",")}}`;
}

/** The columns a row's hash covers (every column but the hashes), with `seq` as given. */
function hashedFields(e: Omit<AuditEntry, "hash" | "seq" | "prevHash">, seq: string): Record<string, unknown> {
  return {
    seq,
    at: e.at.toISOString(),
    actor: e.actor,
    actorKind: e.actorKind,
    actorUserId: e.actorUserId,
    role: e.role,
    channel: e.channel,
    action: e.action,
    outcome: e.outcome,
    targetType: e.targetType,
    targetId: e.targetId,
    details: e.details,
    requestId: e.requestId,
    approvalId: e.approvalId,
  };
}

/** A row's hash: SHA-256 over the previous hash and every column of the row but the hashes. */
export function entryHash(e: Omit<AuditEntry, "hash">): string {
  const content = canonicalJson(hashedFields(e, e.seq.toString()));
  return createHash("sha256").update(e.prevHash).update("\n").update(content).digest("hex");
}

/**
 * A row's hashed content split around its seq, which only the chain's head knows: `before + seq + after`
 * is `canonicalJson` of the content (the same bytes `entryHash` hashes after `prevHash + "\n"`), so the
 * append statement can finish the hash in PostgreSQL while it holds the head (audit.sql.ts).
 */
export function contentAroundSeq(e: Omit<AuditEntry, "hash" | "seq" | "prevHash">): { before: string; after: string } {
  const hole = "\u0000seq\u0000";
  const parts = sortedParts(hashedFields(e, hole));
  const at = parts.indexOf(`"seq":${JSON.stringify(hole)}`);
  return {
    before: `{${parts
      .slice(0, at)
      .map((p) => `${p},`)
      .join("")}"seq":"`,
    after: `"${parts
      .slice(at + 1)
      .map((p) => `,${p}`)
      .join("")}}`,
  };
}
