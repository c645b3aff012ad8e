import { ConfigError, parseConfig, type Config } from "../config.ts";
import { createContainer, type Container, type ContainerOptions } from "../container.ts";
import { createLogger } from "../logger.ts";
import { isDomainError } from "../../core/shared/index.ts";

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

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  try {
    return parseConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message, 78); // EX_CONFIG
    throw e;
  }
}

/** Opens the container for one command (logs only errors unless LOG_LEVEL says more) and closes it. */
export async function withContainer<T>(
  fn: (c: Container) => Promise<T>,
  opts: ContainerOptions & { logLevel?: string } = {},
): Promise<T> {
  const config = loadConfig();
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
  if (e instanceof CliError) return { message: e.message, exitCode: e.exitCode };
  if (isDomainError(e)) return { message: `error: ${e.message} (${e.code})`, exitCode: 1 };
  const msg = e instanceof Error ? e.message : String(e);
  if (/ECONNREFUSED|connect ECONN|getaddrinfo/.test(msg))
    return { message: `error: cannot reach a service (${msg}); is PostgreSQL/Redis running?`, exitCode: 69 };
  return { message: `error: ${msg}`, exitCode: 1 };
}

/** Wraps a commander action so failures print one line and set the exit code. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      const { message, exitCode } = describeError(e);
      console.error(message);
      process.exitCode = exitCode;
    }
  };
}

export function formatMinor(amount: bigint, digits = 2): string {
  if (digits === 0) return amount.toString();
  const neg = amount < 0n;
  const abs = neg ? -amount : amount;
  const s = abs.toString().padStart(digits + 1, "0");
  return `${neg ? "-" : ""}${s.slice(0, -digits)}.${s.slice(-digits)}`;
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
