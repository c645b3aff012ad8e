import { z } from "zod";
import { defineAction, type AnyReviewableAction } from "../approvals/index.ts";
import { conflict, STAFF_ROLES, type StaffRole } from "../shared/index.ts";
import type { Staff } from "../staff/index.ts";

const userId = z
  .string()
  .uuid({ message: "must be a staff member's user id" })
  .transform((s) => s.toLowerCase());
const role = z.enum(STAFF_ROLES, { message: `must be one of ${STAFF_ROLES.join(", ")}` });

/** A change to the staff list asked for in chat: add a member, change a role, remove a member. */
export const staffChangeSchema = z.discriminatedUnion("op", [
  z.object({
    op: z.literal("add"),
    name: z.string().trim().min(1).max(80),
    role,
    slackUserId: z.string().optional(),
    telegramUserId: z.string().optional(),
  }),
  z.object({ op: z.literal("role"), userId, role }),
  z.object({ op: z.literal("remove"), userId }),
]);
export type StaffChange = z.infer<typeof staffChangeSchema>;

const accounts = (p: { slackUserId?: string | undefined; telegramUserId?: string | undefined }) =>
  [p.slackUserId ? `slack ${p.slackUserId}` : null, p.telegramUserId ? `telegram ${p.telegramUserId}` : null]
    .filter(Boolean)
    .join(", ");

/**
 * Staff changes made in chat as a reviewable action (core/approvals). Only owners hold `staff.manage`, so
 * both the asker and the approver are owners. Granting or taking away a role in `twoPersonRoles` needs a
 * second owner; the rest one. The staff module keeps its own rules (the last owner stays; one chat
 * account, one member) and writes its audit rows in the change's transaction.
 */
export function staffChangeAction(deps: {
  staff: Pick<Staff, "add" | "get" | "setRole" | "remove">;
  twoPersonRoles: readonly StaffRole[];
}): AnyReviewableAction {
  const guarded = new Set(deps.twoPersonRoles);
  return defineAction<StaffChange>({
    name: "staff.change",
    permission: "staff.manage",
    schema: staffChangeSchema,
    async precheck(ctx, p) {
      if (p.op === "add") {
        if (!p.slackUserId && !p.telegramUserId)
          throw conflict("no_chat_account", "name the member's Slack user id or Telegram user id");
        return;
      }
      const m = await deps.staff.get(ctx, p.userId);
      if (p.op === "role" && m.role === p.role)
        throw conflict("role_unchanged", `${m.name} is already ${m.role}`, { role: m.role });
    },
    async needsApproval(ctx, p) {
      if (p.op === "add") return guarded.has(p.role);
      const m = await deps.staff.get(ctx, p.userId);
      return guarded.has(m.role) || (p.op === "role" && guarded.has(p.role));
    },
    async describe(ctx, p) {
      if (p.op === "add") return `add staff member ${p.name} as ${p.role} (${accounts(p)})`;
      const m = await deps.staff.get(ctx, p.userId);
      return p.op === "role"
        ? `change the role of staff member ${m.name} (${m.userId}) from ${m.role} to ${p.role}`
        : `remove staff member ${m.name} (${m.userId}, ${m.role})`;
    },
    target: (p) => ({ type: "staff", id: p.op === "add" ? `new:${p.name}` : p.userId }),
    async execute(ctx, p) {
      if (p.op === "add") {
        const m = await deps.staff.add(ctx, {
          name: p.name,
          role: p.role,
          ...(p.slackUserId ? { slackUserId: p.slackUserId } : {}),
          ...(p.telegramUserId ? { telegramUserId: p.telegramUserId } : {}),
        });
        return { op: p.op, userId: m.userId, role: m.role };
      }
      if (p.op === "role") {
        const r = await deps.staff.setRole(ctx, { userId: p.userId, role: p.role });
        return { op: p.op, userId: p.userId, before: r.before.role, after: r.after.role };
      }
      const gone = await deps.staff.remove(ctx, { userId: p.userId });
      return { op: p.op, userId: gone.userId, role: gone.role };
    },
  });
}
