import type { Command } from "commander";
import type { KycSubmission } from "../../core/kyc/index.ts";
import { out } from "./cli-run.ts";
import { action, CliError, withContainer } from "./cli-support.ts";

const lib = () => import("./cli-lib.ts");

/** One submission as staff see it: masked name and ID number, never whole. */
export const kycLine = (s: KycSubmission) =>
  [
    s.id,
    s.status.padEnd(8),
    `user ${s.userId}`,
    `${s.nameMasked} ${s.idMasked}`,
    s.regionName,
    `provider ${s.provider}:${s.providerResult}`,
    s.duplicateOf ? `ID already verifies ${s.duplicateOf}` : "",
    s.shared ? "shared (override)" : "",
    s.reason ? `reason: ${s.reason}` : "",
  ]
    .filter(Boolean)
    .join("  ");

/** `kyc queue|show|approve|reject|status`: the real-name review queue from the command line (docs/kyc.md). */
export function registerKycCommands(program: Command): void {
  // Withdrawals register `kyc set` (their interim flag) under the same word: one group holds both.
  const kyc = (program.commands.find((c) => c.name() === "kyc") ?? program.command("kyc")).description(
    "real-name (KYC) verification: the review queue and decisions",
  );
  kyc
    .command("queue")
    .description("submissions waiting for a decision, oldest first (name and ID number masked)")
    .option("--limit <n>", "how many", "20")
    .action(
      action(async (o: { limit: string }) => {
        await withContainer(async (c) => {
          const { ctx } = await lib();
          const list = await c.kyc.queue(ctx(), { limit: Number(o.limit) || 20 });
          if (list.length === 0) out("no KYC submissions waiting");
          for (const s of list) out(kycLine(s));
        });
      }),
    );
  kyc
    .command("show")
    .argument("<submissionId>")
    .description("one submission (masked)")
    .action(
      action(async (id: string) => {
        await withContainer(async (c) => {
          const { ctx } = await lib();
          out(kycLine(await c.kyc.get(ctx(), id)));
        });
      }),
    );
  kyc
    .command("approve")
    .argument("<submissionId>")
    .option("--reason <text>", "a note (required with --allow-shared)")
    .option("--allow-shared", "approve although the ID number verifies another account (the override)")
    .description("verify the user (audited)")
    .action(
      action(async (id: string, o: { reason?: string; allowShared?: boolean }) => {
        await withContainer(async (c) => {
          const { ctx } = await lib();
          const r = await c.kyc.approve(ctx(), {
            submissionId: id,
            ...(o.reason !== undefined ? { reason: o.reason } : {}),
            ...(o.allowShared ? { allowShared: true } : {}),
          });
          if (r.ok) return out(`verified: ${kycLine(r.submission)}`);
          if (r.code === "id_in_use")
            throw new CliError(
              `this ID number already verifies ${r.submission.duplicateOf ?? "another account"}: approve with --allow-shared --reason "…" to override`,
            );
          throw new CliError(`not pending: the submission is ${r.submission.status}`);
        });
      }),
    );
  kyc
    .command("reject")
    .argument("<submissionId>")
    .requiredOption("--reason <text>", "why (the user is told)")
    .description("reject the submission (audited; the user may submit again)")
    .action(
      action(async (id: string, o: { reason: string }) => {
        await withContainer(async (c) => {
          const { ctx } = await lib();
          const r = await c.kyc.reject(ctx(), { submissionId: id, reason: o.reason });
          if (r.ok) return out(`rejected: ${kycLine(r.submission)}`);
          throw new CliError(`not pending: the submission is ${r.submission.status}`);
        });
      }),
    );
  kyc
    .command("status")
    .argument("<userId>")
    .description("a user's verification state")
    .action(
      action(async (userId: string) => {
        await withContainer(async (c) => {
          const { ctx } = await lib();
          const s = await c.kyc.state(ctx(), userId);
          out(
            s.status === "NONE" ? "not submitted" : `${s.status} (${s.submissionId})${s.reason ? `: ${s.reason}` : ""}`,
          );
        });
      }),
    );
}
