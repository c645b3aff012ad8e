import type { StaffConsole } from "../../../app/staff-console.ts";
import { systemContext, type CoreContext, type StaffRole } from "../../../core/shared/index.ts";

/** Adds staff members (name → role) and answers each one's core context, as a chat channel would build it. */
export async function staffContexts(
  con: StaffConsole,
  members: Record<string, StaffRole>,
  channel: CoreContext["channel"] = "cli",
): Promise<Record<string, CoreContext>> {
  const cli = systemContext("cli:test", { channel: "cli" });
  const out: Record<string, CoreContext> = {};
  for (const [name, role] of Object.entries(members)) {
    const m = await con.staff.add(cli, { name, role });
    out[name] = { ...cli, channel, requestId: `req-${name}`, actor: { kind: "staff", userId: m.userId, role } };
  }
  return out;
}
