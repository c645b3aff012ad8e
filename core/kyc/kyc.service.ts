import { recordEvents, type NewEvent } from "../events/index.ts";
import {
  invalidData,
  PG_UNIQUE_VIOLATION,
  sqlState,
  newId,
  notFound,
  type Clock,
  type CoreContext,
  type SecretBox,
  type SqlRunner,
  type AuditRecordPort,
} from "../shared/index.ts";
import {
  decideSql,
  insertSubmissionSql,
  isVerifiedSql,
  latestForUserSql,
  openForUserSql,
  otherHolderSql,
  queueSql,
  submissionSql,
  verifiedHolderSql,
} from "./kyc.sql.ts";
import type {
  KycState,
  KycSubmission,
  KycVerificationProvider,
  NameProblem,
  ReviewResult,
  SubmitResult,
} from "./kyc.types.ts";
import { checkResidentId, maskName, maskResidentId } from "./resident-id.ts";

/** The audit trail, as KYC uses it (core/audit's `record`). */
export type KycAuditPort = AuditRecordPort;

export interface KycDeps {
  sql: SqlRunner;
  clock: Clock;
  /** Seals the name and the ID number (the code-encryption key's SecretBox). */
  secrets: Pick<SecretBox, "encrypt" | "decrypt">;
  /** The keyed hash of an ID number for dedupe (a SecretBox of the KYC hash key: `keyedHash(id, "kyc-id")`). */
  idHasher: Pick<SecretBox, "keyedHash">;
  provider: KycVerificationProvider;
  audit: KycAuditPort;
  /** Minimum age in years (default 18). */
  minAge?: number;
}

export interface Kyc {
  /**
   * A user submits their real name and mainland resident ID number. A number or name that is not valid is
   * answered with the specific problem and nothing is stored; a valid one is sealed, checked with the
   * provider and waits for staff (`PENDING`), or is rejected at once when the provider says they do not
   * belong together. One open submission per user.
   */
  submit(ctx: CoreContext, input: SubmitInput): Promise<SubmitResult>;
  /**
   * Checks a name and seals it for a chat that asks for the ID number next: the bot keeps only the sealed
   * token in its conversation state (never the name in clear) and passes it back as `sealedName`.
   */
  sealName(
    ctx: CoreContext,
    input: { userId: string; name: string },
  ): Promise<{ ok: true; sealedName: string } | { ok: false; problem: NameProblem }>;
  /** The user's own verification state. */
  state(ctx: CoreContext, userId: string): Promise<KycState>;
  /** Whether the user is real-name verified (withdrawals, large buyers). */
  isVerified(ctx: CoreContext, userId: string): Promise<boolean>;
  /** Staff: submissions waiting for a decision, oldest first, masked. */
  queue(ctx: CoreContext, opts?: { limit?: number }): Promise<KycSubmission[]>;
  /** Staff: one submission, masked. */
  get(ctx: CoreContext, submissionId: string): Promise<KycSubmission>;
  /**
   * Staff approve a PENDING submission (once, whatever races). When the ID number already verifies
   * another account the answer is `id_in_use` unless `allowShared` (the override, with a reason). Audited.
   */
  approve(
    ctx: CoreContext,
    input: { submissionId: string; reason?: string; allowShared?: boolean },
  ): Promise<ReviewResult>;
  /** Staff reject a PENDING submission with a reason the user is told. Audited. */
  reject(ctx: CoreContext, input: { submissionId: string; reason: string }): Promise<ReviewResult>;
}

/** A name in clear, or one sealed by `sealName` for the same user. */
export type SubmitInput = { userId: string; idNumber: string } & ({ name: string } | { sealedName: string });

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_REASON = 500;

/** A legal name as written on the ID card: Han characters (with `·` for minority names) or Latin letters. */
export function checkName(input: string): { ok: true; name: string } | { ok: false; problem: NameProblem } {
  const name = input.trim().replace(/\s+/g, " ");
  const length = [...name].length;
  if (length < 2 || length > 50) return { ok: false, problem: "name_length" };
  if (!/^(?:[\p{Script=Han}]+(?:[·•][\p{Script=Han}]+)*|[A-Za-z]+(?:[ .'-][A-Za-z]+)*)$/u.test(name))
    return { ok: false, problem: "name_characters" };
  return { ok: true, name: name.replace("•", "·") };
}

/** The person behind a staff context (a delegated call keeps who it acts for). */
function staffUserId(ctx: CoreContext): string | null {
  const a = ctx.actor.kind === "system" && ctx.actor.onBehalfOf ? ctx.actor.onBehalfOf : ctx.actor;
  return a.kind === "staff" ? a.userId : null;
}

export function createKyc({ sql, clock, secrets, idHasher, provider, audit, minAge = 18 }: KycDeps): Kyc {
  const hashId = (idNumber: string) => idHasher.keyedHash(idNumber, "kyc-id");

  async function load(submissionId: string): Promise<KycSubmission> {
    const row = UUID_RE.test(submissionId)
      ? (await sql.query<KycSubmission>(submissionSql(submissionId)))[0]
      : undefined;
    if (!row) throw notFound("kyc_submission_not_found", "no such KYC submission", { submissionId });
    return row;
  }

  function cleanReason(reason: string | undefined, required: boolean): string | null {
    const r = reason?.trim().slice(0, MAX_REASON) ?? "";
    if (required && r.length < 2) throw invalidData("invalid_reason", "say why (at least 2 characters)");
    return r || null;
  }

  /** The name of a `sealName` token, for this user only; anything else is no name (refused as invalid). */
  /**
   * In one transaction: the pending submission `id` decided as `status`, with the event and the audit entry
   * `action` (ok) that `outcome` gives for it; a submission decided meanwhile is refused as `not_pending`
   * (audited) with its row as it is now.
   */
  function decide(
    ctx: CoreContext,
    id: string,
    status: "VERIFIED" | "REJECTED",
    action: "kyc.approve" | "kyc.reject",
    reason: string | null,
    shared: boolean,
    outcome: (won: KycSubmission) => { event: NewEvent; details: Record<string, unknown> },
  ): Promise<ReviewResult> {
    const target = { targetType: "kyc_submission", targetId: id };
    return sql.transaction(async (tx) => {
      const [won] = await tx.query<KycSubmission>(decideSql(id, status, staffUserId(ctx), reason, shared, clock.now()));
      if (!won) {
        await audit.record(ctx, { action, outcome: "refused", ...target, details: { code: "not_pending" } }, { tx });
        return {
          ok: false as const,
          code: "not_pending" as const,
          submission: (await tx.query<KycSubmission>(submissionSql(id)))[0]!,
        };
      }
      const { event, details } = outcome(won);
      await recordEvents(tx, [event]);
      await audit.record(ctx, { action, outcome: "ok", ...target, details }, { tx });
      return { ok: true as const, submission: won };
    });
  }

  function unseal(token: string, userId: string): string {
    try {
      const [tag, owner, name] = secrets.decrypt(token).split("\u0000");
      return tag === "kyc-name" && owner === userId && name ? name : "";
    } catch {
      return "";
    }
  }

  return {
    async sealName(_ctx, input) {
      const r = checkName(input.name);
      if (!r.ok) return r;
      return { ok: true, sealedName: secrets.encrypt(`kyc-name\u0000${input.userId}\u0000${r.name}`) };
    },

    async submit(ctx, input) {
      const nameCheck = checkName("sealedName" in input ? unseal(input.sealedName, input.userId) : input.name);
      if (!nameCheck.ok) return { ok: false, code: "invalid_name", problem: nameCheck.problem };
      const id = checkResidentId(input.idNumber, clock.now(), minAge);
      if (!id.ok) return { ok: false, code: "invalid_id_number", problem: id.problem };
      const open = (await sql.query<KycSubmission>(openForUserSql(input.userId)))[0];
      if (open) return { ok: false, code: open.status === "VERIFIED" ? "already_verified" : "already_pending" };

      const idHash = hashId(id.number);
      const holder = (await sql.query<{ userId: string }>(otherHolderSql(idHash, input.userId)))[0];
      const submissionId = newId();
      const answer = await provider.verify({ requestId: submissionId, name: nameCheck.name, idNumber: id.number });
      const rejected = answer.result === "mismatch";
      const now = clock.now();
      return sql.transaction(async (tx) => {
        const [row] = await tx.query<KycSubmission>(
          insertSubmissionSql({
            id: submissionId,
            userId: input.userId,
            status: rejected ? "REJECTED" : "PENDING",
            nameEnc: secrets.encrypt(nameCheck.name),
            idNumberEnc: secrets.encrypt(id.number),
            idHash,
            idMasked: maskResidentId(id.number),
            nameMasked: maskName(nameCheck.name),
            regionCode: id.region.code,
            regionName: id.region.exact ? id.region.name : `${id.region.name} (${id.region.code})`,
            provider: provider.name,
            providerRef: answer.reference,
            providerResult: answer.result,
            duplicateOf: holder?.userId ?? null,
            reason: rejected ? "provider_mismatch" : null,
            now,
          }),
        );
        // A racing submission of the same user got there first.
        if (!row) {
          const won = (await tx.query<KycSubmission>(openForUserSql(input.userId)))[0];
          return { ok: false as const, code: won?.status === "VERIFIED" ? "already_verified" : "already_pending" };
        }
        await recordEvents(tx, [
          rejected
            ? {
                type: "kyc.rejected",
                payload: { submissionId: row.id, userId: row.userId, status: "REJECTED", reason: "provider_mismatch" },
              }
            : { type: "kyc.submitted", payload: { submissionId: row.id, userId: row.userId, status: "PENDING" } },
        ]);
        return { ok: true as const, submission: row };
      });
    },

    async state(_ctx, userId) {
      const row = (await sql.query<KycSubmission>(latestForUserSql(userId)))[0];
      if (!row) return { status: "NONE" };
      return { status: row.status, submissionId: row.id, reason: row.reason, at: row.decidedAt ?? row.createdAt };
    },

    async isVerified(_ctx, userId) {
      if (!UUID_RE.test(userId)) return false;
      return (await sql.query<{ verified: boolean }>(isVerifiedSql(userId)))[0]?.verified === true;
    },

    queue: (_ctx, opts) => sql.query<KycSubmission>(queueSql(Math.min(Math.max(opts?.limit ?? 20, 1), 200))),

    get: (_ctx, submissionId) => load(submissionId),

    async approve(ctx, input) {
      const current = await load(input.submissionId);
      const reason = cleanReason(input.reason, input.allowShared === true);
      const target = { targetType: "kyc_submission", targetId: current.id };
      if (current.status !== "PENDING") {
        await audit.record(ctx, {
          action: "kyc.approve",
          outcome: "refused",
          ...target,
          details: { code: "not_pending", status: current.status },
        });
        return { ok: false, code: "not_pending", submission: current };
      }
      const holder = (await sql.query<{ userId: string }>(verifiedHolderSql(current.id)))[0];
      if (holder && !input.allowShared) {
        await audit.record(ctx, {
          action: "kyc.approve",
          outcome: "refused",
          ...target,
          details: { code: "id_in_use", holder: holder.userId },
        });
        return { ok: false, code: "id_in_use", submission: current };
      }
      const shared = holder !== undefined && input.allowShared === true;
      try {
        return await decide(ctx, current.id, "VERIFIED", "kyc.approve", reason, shared, (won) => ({
          event: { type: "kyc.verified", payload: { submissionId: won.id, userId: won.userId, status: "VERIFIED" } },
          details: { userId: won.userId, reason, shared, override: shared ? holder!.userId : null },
        }));
      } catch (e) {
        // Another account was verified with this ID number between the look-up and the update.
        if (sqlState(e) !== PG_UNIQUE_VIOLATION) throw e;
        await audit.record(ctx, {
          action: "kyc.approve",
          outcome: "refused",
          ...target,
          details: { code: "id_in_use" },
        });
        return { ok: false, code: "id_in_use", submission: await load(current.id) };
      }
    },

    async reject(ctx, input) {
      const current = await load(input.submissionId);
      const reason = cleanReason(input.reason, true)!;
      return decide(ctx, current.id, "REJECTED", "kyc.reject", reason, false, (won) => ({
        event: {
          type: "kyc.rejected",
          payload: { submissionId: won.id, userId: won.userId, status: "REJECTED", reason },
        },
        details: { userId: won.userId, reason },
      }));
    },
  };
}
