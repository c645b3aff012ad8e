import type { Distribution, DistributorApplication } from "../../core/distribution/index.ts";
import type { CoreContext, Locale } from "../../core/shared/index.ts";
import { code, plain, type Reply } from "../turn.ts";

/** Button data of a decision on an `/agent` application: `sd:<a|r>:<user id>` (≤ 64 bytes). */
export const applicationButton = (decision: "approve" | "reject", userId: string) =>
  `sd:${decision === "approve" ? "a" : "r"}:${userId}`;
export const APPLICATION_BUTTON_RE = /^sd:([ar]):([0-9a-f-]{36})$/i;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const time = (d: Date) => new Date(d).toISOString().replace("T", " ").slice(0, 16) + " UTC";

const en = {
  usage: "applications | applications approve <user id> | applications reject <user id> [reason]",
  empty: "No distributor applications waiting.",
  line: (a: DistributorApplication) => `Distributor application from user ${a.userId}, ${time(a.createdAt)}`,
  approve: "✅ Approve",
  reject: "❌ Reject",
  approved: (userId: string) => `Approved: user ${userId} is a distributor now. They were told in their chat.`,
  rejected: (userId: string) => `Rejected: user ${userId}'s application. They were told in their chat.`,
  notPending: "That application is not pending any more (decided already, or there is none).",
  unavailable: "Distributor applications are not available here.",
  applied: (userId: string) => `🆕 New distributor application from user ${userId} (/agent).`,
};
type Words = typeof en;
const zh: Words = {
  usage: "applications | applications approve <用户编号> | applications reject <用户编号> [原因]",
  empty: "没有待审核的代理申请。",
  line: (a) => `代理申请：用户 ${a.userId}，${time(a.createdAt)}`,
  approve: "✅ 通过",
  reject: "❌ 驳回",
  approved: (userId) => `已通过：用户 ${userId} 现在是代理。已在其私聊中通知。`,
  rejected: (userId) => `已驳回用户 ${userId} 的申请。已在其私聊中通知。`,
  notPending: "该申请已不在待审核状态（已处理，或不存在）。",
  unavailable: "此处暂不支持代理申请。",
  applied: (userId) => `🆕 新的代理申请：用户 ${userId}（/agent）。`,
};

const decisionButtons = (m: Words, userId: string) => [
  [
    { kind: "callback" as const, label: m.approve, data: applicationButton("approve", userId) },
    { kind: "callback" as const, label: m.reject, data: applicationButton("reject", userId) },
  ],
];

/** The staff channel's notice of a new application (`distributor.applied`), with its decision buttons. */
export function renderApplicationNotice(userId: string, locale: Locale): Reply {
  const m = locale === "en" ? en : zh;
  return {
    kind: "text",
    body: [plain(m.applied(userId)), plain("\n"), code(userId)],
    buttons: decisionButtons(m, userId),
  };
}

export interface ApplicationsOutcome {
  replies: Reply[];
  /** For the staff bot's audit row of the command. */
  audit: { outcome: "ok" | "refused"; details: Record<string, unknown>; target?: { type: string; id: string } };
}

const say = (s: string): Reply[] => [{ kind: "text", body: [plain(s)] }];

/**
 * The staff bot's `applications` command (Slack and the Telegram staff group alike): the pending `/agent`
 * applications with Approve/Reject buttons, and the decision. Permission (`distribution.manage`) is checked
 * in core/distribution; the applicant hears the decision from the shop bot (`distribution.application_decided`).
 */
export async function applicationsCommand(
  dist: Pick<Distribution, "applications" | "decide"> | undefined,
  ctx: CoreContext,
  args: string[],
  rest: string,
  locale: Locale,
): Promise<ApplicationsOutcome> {
  const m = locale === "en" ? en : zh;
  if (!dist) return { replies: say(m.unavailable), audit: { outcome: "refused", details: { code: "unavailable" } } };
  const [sub = "", id = ""] = args;
  const usage = (): ApplicationsOutcome => ({
    replies: say(`${locale === "en" ? "Usage" : "用法"}: ${m.usage}`),
    audit: { outcome: "refused", details: { code: "usage" } },
  });
  if (args.length === 0) {
    const list = await dist.applications(ctx, { limit: 10 });
    if (list.length === 0) return { replies: say(m.empty), audit: { outcome: "ok", details: { count: 0 } } };
    return {
      replies: list.map((a) => ({
        kind: "text",
        body: [plain(m.line(a)), plain("\n"), code(a.userId)],
        buttons: decisionButtons(m, a.userId),
      })),
      audit: { outcome: "ok", details: { count: list.length } },
    };
  }
  const decision = sub.toLowerCase();
  if ((decision !== "approve" && decision !== "reject") || !UUID_RE.test(id)) return usage();
  const userId = id.toLowerCase();
  const note = rest
    .slice(rest.indexOf(id) + id.length)
    .trim()
    .slice(0, 500);
  const target = { type: "user", id: userId };
  try {
    await dist.decide(ctx, { userId, approve: decision === "approve", ...(note ? { note } : {}) });
  } catch (e) {
    if ((e as { code?: unknown }).code !== "application_not_pending") throw e;
    return { replies: say(m.notPending), audit: { outcome: "refused", details: { code: "not_pending" }, target } };
  }
  return {
    replies: [{ kind: "text", body: [plain((decision === "approve" ? m.approved : m.rejected)(userId))], edit: true }],
    audit: { outcome: "ok", details: { decision }, target },
  };
}
