import type { Config } from "../config.ts";
import type { Container, ContainerOptions } from "../container.ts";
import { isDomainError } from "../../core/shared/errors.ts";
import { currentRun, err, InputFileError } from "./cli-run.ts";

// Light on purpose: `--help` and argument errors load none of the container's modules (PGlite, Prisma,
// BullMQ, Hono); `withContainer` imports them when a command needs the database.

/** A CLI failure with a message for the operator (printed without a stack trace). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** The command ran in the running shop (admin channel), which printed its output: only its exit code is left. */
class HandedOver extends CliError {}

export async function loadConfig(env: Record<string, string | undefined> = currentRun().env): Promise<Config> {
  const { ConfigError, parseConfig } = await import("../config.ts");
  try {
    return parseConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message, 78); // EX_CONFIG
    throw e;
  }
}

/**
 * Runs `fn` against a container: the one this run already has (inside serve, in tests), else one opened for
 * this command (logs only errors unless LOG_LEVEL says more) and closed after. On the embedded database held
 * by a running shop, the whole command is handed to that process instead (docs: README "Operating").
 */
export async function withContainer<T>(
  fn: (c: Container) => Promise<T>,
  opts: ContainerOptions & { logLevel?: string } = {},
): Promise<T> {
  const run = currentRun();
  if (run.container) return fn(run.container);
  // Read before the config (zod) is loaded: a command handed over loads nothing more (config.ts: "" = unset).
  if (!run.env.DATABASE_URL) {
    const { embeddedDatabaseHolder, DEFAULT_DATA_DIR } = await import("../db/data-dir-lock.ts");
    const dataDir = run.env.DATA_DIR || DEFAULT_DATA_DIR;
    const holder = await embeddedDatabaseHolder(dataDir);
    if (holder !== undefined) {
      const { handToRunningShop } = await import("./admin-client.ts");
      const code = await handToRunningShop(dataDir, holder, run);
      throw new HandedOver("", code);
    }
  }
  const config = await loadConfig();
  const [{ createContainer }, { createLogger }] = await Promise.all([
    import("../container.ts"),
    import("../logger.ts"),
  ]);
  const logger = createLogger(opts.logLevel ?? (config.LOG_LEVEL === "info" ? "error" : config.LOG_LEVEL));
  const c = await createContainer(config, logger, opts);
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

/** How an error reaches the operator: our own errors as one clear line, anything else briefly. */
export function describeError(e: unknown): { message: string; exitCode: number } {
  if (e instanceof CliError || e instanceof InputFileError) return { message: e.message, exitCode: e.exitCode };
  if (isDomainError(e)) return { message: `error: ${e.message} (${e.code})`, exitCode: 1 };
  const msg = e instanceof Error ? e.message : String(e);
  if (/ECONNREFUSED|connect ECONN|getaddrinfo/.test(msg))
    return { message: `error: cannot reach a service (${msg}); is PostgreSQL/Redis running?`, exitCode: 69 };
  return { message: `error: ${msg}`, exitCode: 1 };
}

/** Wraps a commander action so failures print one line and set the run's exit code. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      const { message, exitCode } = describeError(e);
      if (message) err(message);
      currentRun().exitCode = exitCode;
    }
  };
}

/** "12.34" → 1234n for 2 minor digits; "1234" stays minor units unless `major` is set. */
export function parseAmount(raw: string, digits: number): bigint {
  const m = /^(\d{1,15})(?:\.(\d+))?$/.exec(raw.trim());
  if (!m) throw new CliError(`--amount must be a positive number like 100 or 99.50, got ${JSON.stringify(raw)}`);
  const frac = m[2] ?? "";
  if (frac.length > digits) throw new CliError(`--amount has more than ${digits} decimal places`);
  const v = BigInt(m[1]!) * 10n ** BigInt(digits) + BigInt((frac + "0".repeat(digits)).slice(0, digits) || "0");
  if (v <= 0n) throw new CliError("--amount must be positive");
  return v;
}
