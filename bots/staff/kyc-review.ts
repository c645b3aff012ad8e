import type { Kyc, KycSubmission } from "../../core/kyc/index.ts";
import type { CoreContext, Locale } from "../../core/shared/index.ts";
import { code, plain, type Reply } from "../turn.ts";

/** Button data of a KYC approval: `sk:a:<submission id>` (a rejection needs a reason: typed). */
export const kycApproveButton = (submissionId: string) => `sk:a:${submissionId}`;
export const KYC_BUTTON_RE = /^sk:a:([0-9a-f-]{36})$/i;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const en = {
  usage:
    "kyc | kyc approve <id> [note] | kyc reject <id> <reason> | kyc share <id> <reason> (a second person approves)",
  empty: "No KYC submissions waiting.",
  line: (s: KycSubmission) =>
    `${s.nameMasked}  ${s.idMasked}  ${s.regionName}\nuser ${s.userId} · provider ${s.provider}: ${s.providerResult}` +
    (s.duplicateOf ? `\n⚠ this ID number already verifies ${s.duplicateOf}` : ""),
  approve: "✅ Approve",
  verified: (s: KycSubmission) => `Verified: ${s.nameMasked} ${s.idMasked}${s.shared ? " (shared ID, override)" : ""}.`,
  rejected: (s: KycSubmission) => `Rejected: ${s.nameMasked} ${s.idMasked} — ${s.reason ?? ""}. The user was told.`,
  notPending: (status: string) => `Not pending any more (${status}).`,
  idInUse: (holder: string | null) =>
    `This ID number already verifies ${holder ?? "another account"}. To verify this account too: kyc share <id> <reason> (a second staff member approves).`,
  notFound: "No such KYC submission.",
};
type Words = typeof en;
const zh: Words = {
  usage: "kyc | kyc approve <编号> [备注] | kyc reject <编号> <原因> | kyc share <编号> <原因>（需另一位员工批准）",
  empty: "没有待审核的实名认证。",
  line: (s) =>
    `${s.nameMasked}  ${s.idMasked}  ${s.regionName}\n用户 ${s.userId} · 核验 ${s.provider}: ${s.providerResult}` +
    (s.duplicateOf ? `\n⚠ 该身份证号已认证账户 ${s.duplicateOf}` : ""),
  approve: "✅ 通过",
  verified: (s) => `已通过：${s.nameMasked} ${s.idMasked}${s.shared ? "（共用证件，人工放行）" : ""}。`,
  rejected: (s) => `已驳回：${s.nameMasked} ${s.idMasked} —— ${s.reason ?? ""}。已通知用户。`,
  notPending: (status) => `已不在待审核状态（${status}）。`,
  idInUse: (holder) =>
    `该身份证号已认证账户 ${holder ?? "（其他账户）"}。如确需同时认证本账户：kyc share <编号> <原因>（需另一位员工批准）。`,
  notFound: "没有这条实名认证。",
};

export interface KycReviewOutcome {
  replies: Reply[];
  /** For the bot's audit row of the command. */
  audit: { outcome: "ok" | "refused"; details: Record<string, unknown>; target?: { type: string; id: string } };
}

const say = (s: string): Reply[] => [{ kind: "text", body: [plain(s)] }];

/**
 * The staff bot's `kyc` command: the queue (masked, with an Approve button each), approve, reject with a
 * reason. `share` (the override) is the staff bot's: it goes through core/approvals. Permissions are checked in core/kyc (`kyc.review`); every decision is audited there too.
 */
export async function kycReview(
  kyc: Pick<Kyc, "queue" | "approve" | "reject">,
  ctx: CoreContext,
  args: string[],
  rest: string,
  locale: Locale,
): Promise<KycReviewOutcome> {
  const m = locale === "en" ? en : zh;
  const [sub = "", id = ""] = args;
  const reasonAfterId = rest.slice(rest.indexOf(id) + id.length).trim();
  const usage = (): KycReviewOutcome => ({
    replies: say(`${locale === "en" ? "Usage" : "用法"}: ${m.usage}`),
    audit: { outcome: "refused", details: { code: "usage" } },
  });
  if (args.length === 0) {
    const list = await kyc.queue(ctx, { limit: 10 });
    if (list.length === 0) return { replies: say(m.empty), audit: { outcome: "ok", details: { count: 0 } } };
    return {
      replies: list.map((s) => ({
        kind: "text",
        body: [plain(m.line(s)), plain("\n"), code(s.id)],
        buttons: [[{ kind: "callback", label: m.approve, data: kycApproveButton(s.id) }]],
      })),
      audit: { outcome: "ok", details: { count: list.length } },
    };
  }
  if (!UUID_RE.test(id)) return usage();
  const target = { type: "kyc_submission", id: id.toLowerCase() };
  let r;
  switch (sub.toLowerCase()) {
    case "approve":
      r = await kyc.approve(ctx, { submissionId: id, ...(reasonAfterId ? { reason: reasonAfterId } : {}) });
      break;
    case "reject":
      if (reasonAfterId.length < 2) return usage();
      r = await kyc.reject(ctx, { submissionId: id, reason: reasonAfterId });
      break;
    default:
      return usage();
  }
  if (r.ok)
    return {
      replies: [
        {
          kind: "text",
          body: [plain((r.submission.status === "VERIFIED" ? m.verified : m.rejected)(r.submission))],
          edit: true,
        },
      ],
      audit: { outcome: "ok", details: { decision: sub.toLowerCase() }, target },
    };
  return {
    replies: say(r.code === "id_in_use" ? m.idInUse(r.submission.duplicateOf) : m.notPending(r.submission.status)),
    audit: { outcome: "refused", details: { code: r.code }, target },
  };
}

export const kycNotFound = (locale: Locale) => (locale === "en" ? en : zh).notFound;
