import type { Command } from "commander";
import { parseLocaleChoice } from "../../core/identity/index.ts";
import { STAFF_ROLES, type StaffRole } from "../../core/shared/actor.ts";
import type { Locale } from "../../core/shared/index.ts";
import type { StaffMember } from "../../core/staff/index.ts";
import { out } from "./cli-run.ts";
import { action, CliError } from "./cli-support.ts";
import { withConsole } from "./staff-console-cli.ts";

function role(raw: string): StaffRole {
  if (!(STAFF_ROLES as readonly string[]).includes(raw))
    throw new CliError(`--role must be one of ${STAFF_ROLES.join(", ")}, got ${JSON.stringify(raw)}`);
  return raw as StaffRole;
}

/** `zh` / `en` (and what `/lang` accepts); `auto` = none (the platform's language, else STAFF_LOCALE). */
function lang(raw: string): Locale | null {
  if (raw.trim().toLowerCase() === "auto") return null;
  const l = parseLocaleChoice(raw);
  if (!l) throw new CliError(`--lang must be zh, en or auto, got ${JSON.stringify(raw)}`);
  return l;
}

const line = (m: StaffMember) =>
  [
    m.userId,
    m.role.padEnd(8),
    m.name,
    m.slackUserId ? `slack:${m.slackUserId}` : "",
    m.telegramUserId ? `telegram:${m.telegramUserId}` : "",
    m.locale ? `lang:${m.locale}` : "",
  ]
    .filter(Boolean)
    .join("  ");

/** `staff add|list|role|remove` and `audit verify|trail`: the operators' accounts and their audit trail. */
export function registerStaffCommands(program: Command): void {
  const staff = program.command("staff").description("staff accounts of the operators' console (roles, chat bindings)");
  staff
    .command("add")
    .description("add a staff member bound to their Slack and/or Telegram account")
    .requiredOption("--name <name>", "display name")
    .requiredOption("--role <role>", STAFF_ROLES.join(" | "))
    .option("--slack <userId>", "their Slack user id (U0123ABCD)")
    .option("--telegram <userId>", "their Telegram user id (digits)")
    .option("--lang <zh|en>", "the console's language for them (default: their app's, else STAFF_LOCALE)")
    .action(
      action(async (o: { name: string; role: string; slack?: string; telegram?: string; lang?: string }) => {
        const r = role(o.role);
        const locale = o.lang !== undefined ? lang(o.lang) : null;
        await withConsole(async (k) => {
          const m = await k.staff.add(k.ctx, {
            name: o.name,
            role: r,
            ...(o.slack !== undefined ? { slackUserId: o.slack } : {}),
            ...(o.telegram !== undefined ? { telegramUserId: o.telegram } : {}),
            ...(locale ? { locale } : {}),
          });
          out(`staff member added: ${line(m)}`);
        });
      }),
    );
  staff
    .command("list")
    .description("every staff member with role and chat bindings")
    .action(
      action(async () => {
        await withConsole(async (k) => {
          const all = await k.staff.list(k.ctx);
          if (all.length === 0) out("no staff members yet (add the first owner with `staff add --role owner`)");
          for (const m of all) out(line(m));
        });
      }),
    );
  staff
    .command("role")
    .description("change a staff member's role")
    .argument("<userId>", "the member's user id (see `staff list`)")
    .argument("<role>", STAFF_ROLES.join(" | "))
    .action(
      action(async (userId: string, raw: string) => {
        const r = role(raw);
        await withConsole(async (k) => {
          const { before, after } = await k.staff.setRole(k.ctx, { userId, role: r });
          out(`${after.name}: ${before.role} → ${after.role}`);
        });
      }),
    );
  staff
    .command("lang")
    .description("set the language the console answers a staff member in")
    .argument("<userId>", "the member's user id (see `staff list`)")
    .argument("<lang>", "zh | en | auto (their app's language, else STAFF_LOCALE)")
    .action(
      action(async (userId: string, raw: string) => {
        const locale = lang(raw);
        await withConsole(async (k) => {
          const { before, after } = await k.staff.setLocale(k.ctx, { userId, locale });
          out(`${after.name}: ${before.locale ?? "auto"} → ${after.locale ?? "auto"}`);
        });
      }),
    );
  staff
    .command("remove")
    .description("remove a staff member (their user and the audit trail stay)")
    .argument("<userId>", "the member's user id (see `staff list`)")
    .action(
      action(async (userId: string) => {
        await withConsole(async (k) => {
          const m = await k.staff.remove(k.ctx, { userId });
          out(`staff member removed: ${line(m)}`);
        });
      }),
    );

  const audit = program.command("audit").description("the staff audit trail (append-only, hash-chained)");
  audit
    .command("verify")
    .description("walk the hash chain and name the first row that does not hold (exit code 2 when broken)")
    .action(
      action(async () => {
        await withConsole(async (k) => {
          const r = await k.audit.verify(k.ctx);
          if (r.ok) {
            out(`audit chain intact: ${r.rows} rows, head at ${r.headSeq}`);
            return;
          }
          throw new CliError(
            `audit chain BROKEN at row ${r.seq}: ${r.problem.replace("_", " ")} (${r.rows} rows before it hold)`,
            2,
          );
        });
      }),
    );
  audit
    .command("trail")
    .description("the newest audit entries, of everyone or about one target / one staff member")
    .option("--target <type:id>", "e.g. order:<id> or staff:<userId>")
    .option("--actor <userId>", "entries by this user")
    .option("--limit <n>", "how many", "20")
    .action(
      action(async (o: { target?: string; actor?: string; limit: string }) => {
        const limit = Number(o.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new CliError("--limit must be 1–500");
        const m = o.target ? /^([a-z_]+):(.+)$/.exec(o.target) : null;
        if (o.target && !m) throw new CliError("--target must look like order:<id> or staff:<userId>");
        await withConsole(async (k) => {
          const q = m
            ? { targetType: m[1]!, targetId: m[2]! }
            : o.actor
              ? { actorUserId: o.actor }
              : { recent: true as const };
          for (const e of await k.audit.trail(k.ctx, q, { limit }))
            out(
              `#${e.seq} ${e.at.toISOString()} ${e.actor} [${e.channel}] ${e.action} ${e.outcome}` +
                (e.targetType ? ` ${e.targetType}:${e.targetId}` : "") +
                ` ${JSON.stringify(e.details)}`,
            );
        });
      }),
    );
}
