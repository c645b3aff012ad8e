import type { Approvals, ApprovalRequest } from "../../core/approvals/index.ts";
import { STAFF_ROLES, type CoreContext, type Locale, type StaffRole } from "../../core/shared/index.ts";
import type { Staff } from "../../core/staff/index.ts";
import { plain, type Reply } from "../turn.ts";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ACCOUNT_RE = /^(slack|telegram):(\S+)$/i;

const en = {
  usage:
    "staff | staff add <role> slack:<U…>|telegram:<id> [more accounts] <name> | staff role <user id> <role> | staff remove <user id>",
  title: "Staff",
  none: "(only the CLI's platform account so far)",
  row: (name: string, role: string, accounts: string, id: string) => `${name} — ${role}${accounts} · ${id}`,
  done: (what: string) => `Done: ${what}`,
  failed: (why: string) => `Not done: ${why}`,
  badRole: (given: string) => `“${given}” is not a role: ${STAFF_ROLES.join(", ")}`,
};
type Words = typeof en;
const zh: Words = {
  usage:
    "staff | staff add <角色> slack:<U…>|telegram:<id> [更多账号] <名字> | staff role <用户编号> <角色> | staff remove <用户编号>",
  title: "员工",
  none: "（暂时只有命令行的平台账号）",
  row: (name, role, accounts, id) => `${name} — ${role}${accounts} · ${id}`,
  done: (what) => `已完成：${what}`,
  failed: (why) => `未执行：${why}`,
  badRole: (given) => `“${given}”不是有效角色：${STAFF_ROLES.join(", ")}`,
};

export interface StaffMembersOutcome {
  replies: Reply[];
  audit: { outcome: "ok" | "refused"; details: Record<string, unknown>; target?: { type: string; id: string } };
}

export interface StaffMembersDeps {
  staff: Pick<Staff, "list">;
  approvals: Pick<Approvals, "submit">;
  /** The approval request's message with its Approve/Reject buttons (the staff bot's). */
  approvalButtons(r: ApprovalRequest): Reply;
}

const say = (s: string): Reply[] => [{ kind: "text", body: [plain(s)] }];
const isRole = (r: string): r is StaffRole => (STAFF_ROLES as readonly string[]).includes(r);

/**
 * `staff`: the staff list, and adding a member, changing a role or removing one from the console. Every
 * change is the `staff.change` reviewable action: owners only (checked in the core), a second owner
 * approves anything touching a role in STAFF_APPROVAL_ROLES, and the staff module audits the change.
 */
export async function staffMembersCommand(
  deps: StaffMembersDeps,
  ctx: CoreContext,
  args: string[],
  locale: Locale,
): Promise<StaffMembersOutcome> {
  const m = locale === "en" ? en : zh;
  const [sub = "list", ...more] = args.map((a, i) => (i === 0 ? a.toLowerCase() : a));
  const refused = (code: string, text: string): StaffMembersOutcome => ({
    replies: say(text),
    audit: { outcome: "refused", details: { code } },
  });
  const usage = () => refused("usage", `${locale === "en" ? "Usage" : "用法"}: ${m.usage}`);

  if (sub === "list") {
    if (more.length > 0) return usage();
    const list = await deps.staff.list(ctx);
    const rows = list.map((s) =>
      m.row(
        s.name,
        s.role,
        [
          s.slackUserId ? ` · slack ${s.slackUserId}` : "",
          s.telegramUserId ? ` · telegram ${s.telegramUserId}` : "",
        ].join(""),
        s.userId,
      ),
    );
    return {
      replies: [{ kind: "text", body: [plain(`${m.title}\n`), { text: rows.join("\n") || m.none, style: "pre" }] }],
      audit: { outcome: "ok", details: { count: list.length } },
    };
  }

  let payload: Record<string, unknown>;
  if (sub === "add") {
    const [role = "", ...words] = more;
    if (!isRole(role.toLowerCase())) return role ? refused("invalid_role", m.badRole(role)) : usage();
    const accounts = words.flatMap((w) => {
      const m = ACCOUNT_RE.exec(w);
      return m ? [{ platform: m[1]!.toLowerCase(), id: m[2]! }] : [];
    });
    const slack = accounts.filter((a) => a.platform === "slack").map((a) => a.id);
    const telegram = accounts.filter((a) => a.platform === "telegram").map((a) => a.id);
    const name = words.filter((w) => !ACCOUNT_RE.test(w)).join(" ");
    if (slack.length > 1 || telegram.length > 1 || slack.length + telegram.length === 0 || !name) return usage();
    payload = {
      op: "add",
      name,
      role: role.toLowerCase(),
      ...(slack[0] ? { slackUserId: slack[0] } : {}),
      ...(telegram[0] ? { telegramUserId: telegram[0] } : {}),
    };
  } else if (sub === "role") {
    const [userId = "", role = ""] = more;
    if (more.length !== 2 || !UUID_RE.test(userId)) return usage();
    if (!isRole(role.toLowerCase())) return refused("invalid_role", m.badRole(role));
    payload = { op: "role", userId, role: role.toLowerCase() };
  } else if (sub === "remove") {
    const [userId = ""] = more;
    if (more.length !== 1 || !UUID_RE.test(userId)) return usage();
    payload = { op: "remove", userId };
  } else return usage();

  const r = await deps.approvals.submit(ctx, {
    action: "staff.change",
    payload,
    reason: `in chat: staff ${args.join(" ")}`.slice(0, 200),
  });
  const target = typeof payload.userId === "string" ? { type: "staff", id: payload.userId.toLowerCase() } : undefined;
  if (r.status === "pending")
    return {
      replies: [deps.approvalButtons(r.request)],
      audit: { outcome: "ok", details: { op: sub, approval: r.request.id }, ...(target ? { target } : {}) },
    };
  if (r.status === "failed") return refused("failed", m.failed(r.error));
  return {
    replies: say(m.done(describe(payload, r.result))),
    audit: { outcome: "ok", details: { op: sub, result: r.result }, ...(target ? { target } : {}) },
  };
}

const describe = (p: Record<string, unknown>, result: unknown) =>
  p.op === "add"
    ? `staff add ${String(p.name)} (${String(p.role)}) · ${String((result as { userId?: unknown } | null)?.userId ?? "")}`
    : p.op === "role"
      ? `staff role ${String(p.userId)} → ${String(p.role)}`
      : `staff remove ${String(p.userId)}`;
