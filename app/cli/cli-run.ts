import { AsyncLocalStorage } from "node:async_hooks";
import { readFile } from "node:fs/promises";
import type { Container } from "../container.ts";

/** Where a command's output goes: the terminal, a test's buffers, or the admin channel back to the CLI. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Interactive terminal (progress bars). */
  isTTY: boolean;
}

/**
 * One CLI invocation. Commands read it through `out`, `err`, `readInputFile`, `cliActor` and `withContainer`
 * (cli-support.ts), so the same command code runs in its own process, in a test, and inside a running
 * `serve` that received it over the admin channel (app/cli/admin-channel.ts).
 */
export interface CliRun {
  argv: string[];
  io: CliIo;
  env: Record<string, string | undefined>;
  /** Set when the command runs inside a process that already has a container (serve's admin channel, tests). */
  container?: Container;
  /** Who the command acts as (the `system` actor's label on the core calls). */
  actor: string;
  /** Input files read by the command: sent along when the command is handed to the running shop. */
  files: Map<string, Buffer>;
  /** Inside serve: only these files exist (the CLI sent them); nothing is read from serve's disk. */
  remote: boolean;
  exitCode: number;
}

const store = new AsyncLocalStorage<CliRun>();

export const processIo: CliIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  isTTY: process.stderr.isTTY === true,
};

const fallback = (): CliRun => ({
  argv: process.argv.slice(2),
  io: processIo,
  env: process.env,
  actor: `cli:${process.pid}`,
  files: new Map(),
  remote: false,
  exitCode: 0,
});

/** The process's own command (set by `asProcessRun`): the run when no other run is in context. */
let processRun: CliRun | undefined;

export function currentRun(): CliRun {
  return store.getStore() ?? processRun ?? fallback();
}

export function inRun<T>(run: CliRun, fn: () => Promise<T>): Promise<T> {
  return store.run(run, fn);
}

/**
 * Runs the process's own command (app/main.ts) as the process-wide run, outside the AsyncLocalStorage:
 * entering it would switch on async context tracking for every promise the process ever makes, and
 * `serve` lives inside its command (≈ 0.1 ms of CPU per order, issue 9). Runs entered with `inRun`
 * (the admin channel inside serve, tests) still take precedence where they are in context.
 */
export function asProcessRun<T>(run: CliRun, fn: () => Promise<T>): Promise<T> {
  processRun = run;
  return fn();
}

/** Prints lines to the command's stdout. Commands use this, never console.log (it would print in serve's log). */
export function out(...lines: string[]): void {
  currentRun().io.stdout(lines.map((l) => l + "\n").join(""));
}

/** Prints lines to the command's stderr. */
export function err(...lines: string[]): void {
  currentRun().io.stderr(lines.map((l) => l + "\n").join(""));
}

export const cliActor = () => currentRun().actor;

/** Caps what a command may read (and so what one admin-channel request may carry). */
export const MAX_INPUT_FILE_BYTES = 64 * 1024 * 1024;

/**
 * A file named on the command line. Read from this machine's disk by the CLI; inside serve, taken from what
 * the CLI sent along (serve's own disk and working directory are never consulted).
 */
export async function readInputFile(file: string): Promise<Buffer> {
  const run = currentRun();
  const sent = run.files.get(file);
  if (sent) return sent;
  if (run.remote) throw new InputFileError(`${file} was not sent with the command`);
  const data = await readFile(file).catch(() => {
    throw new InputFileError(`cannot read ${file}`);
  });
  if (data.length > MAX_INPUT_FILE_BYTES)
    throw new InputFileError(`${file} is larger than ${MAX_INPUT_FILE_BYTES / 1024 / 1024} MiB: split it`);
  run.files.set(file, data);
  return data;
}

export class InputFileError extends Error {
  readonly exitCode = 1;
}
