import { createHash } from "node:crypto";
import type { AuditEntry } from "./audit.types.ts";

/** The hash the chain starts from (the head's before the first row). */
export const GENESIS_HASH = "0".repeat(64);

/** JSON with object keys sorted at every level, so what was hashed can be hashed again from the stored jsonb. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** A row's hash: SHA-256 over the previous hash and every column of the row but the hashes. */
export function entryHash(e: Omit<AuditEntry, "hash">): string {
  const content = canonicalJson({
    seq: e.seq.toString(),
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
  });
  return createHash("sha256").update(e.prevHash).update("\n").update(content).digest("hex");
}

/**
 * A row's hashed content split around its seq, which only the chain's head knows: `before + seq + after`
 * is `canonicalJson` of the content (the same bytes `entryHash` hashes after `prevHash + "\n"`), so the
 * append statement can finish the hash in PostgreSQL while it holds the head (audit.sql.ts).
 */
export function contentAroundSeq(e: Omit<AuditEntry, "hash" | "seq" | "prevHash">): { before: string; after: string } {
  const hole = "\u0000seq\u0000";
  const fields: Record<string, unknown> = {
    seq: hole,
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
  const entries = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const at = entries.findIndex(([k]) => k === "seq");
  const part = ([k, v]: [string, unknown]) => `${JSON.stringify(k)}:${canonicalJson(v)}`;
  const head = entries.slice(0, at).map(part);
  const tail = entries.slice(at + 1).map(part);
  return {
    before: `{${head.map((p) => `${p},`).join("")}"seq":"`,
    after: `"${tail.map((p) => `,${p}`).join("")}}`,
  };
}
