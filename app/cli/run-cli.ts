import { CommanderError } from "commander";
import { asProcessRun, inRun, processIo, type CliIo, type CliRun } from "./cli-run.ts";
import { buildProgram } from "./program.ts";
import type { Container } from "../container.ts";

export interface RunCliOptions {
  io?: CliIo;
  env?: Record<string, string | undefined>;
  /** Run against this container instead of opening one (serve's admin channel, tests). */
  container?: Container;
  actor?: string;
  files?: Map<string, Buffer>;
  /** Inside serve for a CLI elsewhere: only operator commands, only the files it sent. */
  remote?: boolean;
  /** The process's own command line (app/main.ts): the process-wide run, no async context (see asProcessRun). */
  processEntry?: boolean;
}

/**
 * Runs one command line (without the program name) and answers its exit code. The process entry
 * (app/main.ts), serve's admin channel and the tests all come through here, with their own output.
 */
export async function runCli(argv: string[], opts: RunCliOptions = {}): Promise<number> {
  const run: CliRun = {
    argv,
    io: opts.io ?? processIo,
    env: opts.env ?? process.env,
    ...(opts.container ? { container: opts.container } : {}),
    actor: opts.actor ?? `cli:${process.pid}`,
    files: opts.files ?? new Map(),
    remote: opts.remote ?? false,
    exitCode: 0,
  };
  return (opts.processEntry ? asProcessRun : inRun)(run, async () => {
    const program = buildProgram({ io: run.io, processCommands: !run.remote });
    try {
      await program.parseAsync(argv, { from: "user" });
    } catch (e) {
      // Help and usage errors: commander has printed them through the run's output already.
      if (e instanceof CommanderError) return e.exitCode;
      throw e;
    }
    return run.exitCode;
  });
}

/** A CliIo that keeps what a command printed (tests, the admin channel's replies). */
export function bufferIo(): CliIo & { out: () => string; err: () => string } {
  let o = "";
  let e = "";
  return {
    stdout: (t) => void (o += t),
    stderr: (t) => void (e += t),
    isTTY: false,
    out: () => o,
    err: () => e,
  };
}
