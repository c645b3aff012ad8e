import { z } from "zod";
import { defineAction, type AnyReviewableAction } from "../approvals/index.ts";
import type { Kyc } from "../kyc/index.ts";
import { conflict, delegate, type CoreContext } from "../shared/index.ts";

/**
 * The one-ID-one-account override as a reviewable action (core/approvals): verifying an account whose ID
 * number already verifies another one always needs a second staff member (`kyc.review`). It runs KYC's
 * `approve` with `allowShared` and the asker's reason.
 */
export function kycOverrideAction(deps: { kyc: Pick<Kyc, "get" | "approve"> }): AnyReviewableAction {
  const submission = (ctx: CoreContext, id: string) => deps.kyc.get(ctx, id);
  return defineAction<{ submissionId: string }>({
    name: "kyc.override",
    permission: "kyc.review",
    schema: z.object({
      submissionId: z
        .string()
        .uuid({ message: "must be a KYC submission id" })
        .transform((s) => s.toLowerCase()),
    }),
    async precheck(ctx, p) {
      const s = await submission(ctx, p.submissionId);
      if (s.status !== "PENDING")
        throw conflict("kyc_not_pending", `the submission is ${s.status}: only a pending one can be verified`, {
          status: s.status,
        });
    },
    needsApproval: async () => true,
    async describe(ctx, p) {
      const s = await submission(ctx, p.submissionId);
      return `verify ${s.nameMasked} ${s.idMasked} for user ${s.userId} although the ID number verifies ${s.duplicateOf ?? "another account"}`;
    },
    target: (p) => ({ type: "kyc_submission", id: p.submissionId }),
    async execute(ctx, p, meta) {
      const r = await deps.kyc.approve(delegate(ctx, "approvals.kyc.override"), {
        submissionId: p.submissionId,
        reason: meta.reason,
        allowShared: true,
      });
      if (!r.ok) throw conflict(r.code, `not verified: ${r.code} (${r.submission.status})`);
      return { submissionId: r.submission.id, status: r.submission.status, shared: r.submission.shared };
    },
  });
}
