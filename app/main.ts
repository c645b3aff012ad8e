import { runCli } from "./cli/run-cli.ts";

// The process entry: every command (serve, worker, migrate and the operator commands) is in app/cli/program.ts.
const argv = process.argv.slice(2);
runCli(argv, { processEntry: true }).then(
  (code) => {
    process.exitCode = code;
    // A serve that failed to start must not linger half-started: leave even if a handle is still open.
    if (code !== 0 && argv[0] === "serve") process.exit(code);
  },
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
