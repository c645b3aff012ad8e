import { Command } from "commander";
import type { CliIo } from "./cli-run.ts";
import { action } from "./cli-support.ts";
import { registerOperatorCommands } from "./commands.ts";

/**
 * The command tree, built fresh for each run (commander keeps parsed values on its objects). Every action
 * imports what it needs when it runs: `--help` and usage errors load no database, HTTP or queue library.
 */
export function buildProgram(opts: { io: CliIo; processCommands: boolean }): Command {
  const program = new Command()
    .name("kameng")
    .description(
      "kameng: chat-native digital-goods distribution (卡盟). Configuration comes from the environment; see README.",
    )
    .configureOutput({ writeOut: (s) => opts.io.stdout(s), writeErr: (s) => opts.io.stderr(s) })
    .exitOverride()
    .showHelpAfterError();
  if (opts.processCommands) registerProcessCommands(program);
  registerOperatorCommands(program);
  return program;
}

/** serve, worker and migrate: they own the process (never handed to a running shop). */
function registerProcessCommands(program: Command): void {
  const load = () => import("./process-commands.ts");
  program
    .command("serve")
    .description("run the HTTP server (and, by default, the job workers; on the embedded database, the demo shop)")
    .action(action(async () => (await load()).serveCommand()));
  program
    .command("worker")
    .description("run only the job workers (fulfilment, expiry, supplier polling), e.g. as extra processes")
    .option("--concurrency <n>", "jobs at once per job name (default WORKER_CONCURRENCY)")
    .option(
      "--stuck-after-ms <ms>",
      "re-run PAID/FULFILLING orders untouched this long (their job was lost; default 30000)",
    )
    .action(action(async (o: { concurrency?: string; stuckAfterMs?: string }) => (await load()).workerCommand(o)));
  program
    .command("migrate")
    .description("apply pending database migrations and report")
    .action(action(async () => (await load()).migrateCommand()));
}
