import { pino, type Logger } from "pino";
import pretty from "pino-pretty";

export type { Logger };

/** Paths that may carry secrets; pino replaces their values before anything is written. */
export const REDACT_PATHS = [
  "code",
  "codes",
  "password",
  "secret",
  "token",
  "apiKey",
  "authorization",
  // Real-name data (core/kyc): never logged, wherever a caller put it.
  "idNumber",
  "realName",
  "*.idNumber",
  "*.realName",
  "*.code",
  "*.codes",
  "*.password",
  "*.secret",
  "*.token",
  "*.apiKey",
  "*.authorization",
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-telegram-bot-api-secret-token"]',
];

export type LogFormat = "json" | "pretty";

/** `auto` (LOG_FORMAT's default): readable lines for a person at a terminal, JSON for everything else. */
export function logFormat(setting: "auto" | LogFormat, isTty = process.stdout.isTTY === true): LogFormat {
  return setting === "auto" ? (isTty ? "pretty" : "json") : setting;
}

export function createLogger(level: string, destination?: pino.DestinationStream, format: LogFormat = "json"): Logger {
  const options = { level, redact: { paths: REDACT_PATHS, censor: "[redacted]" }, base: { svc: "kameng" } };
  if (format === "json") return pino(options, destination);
  // pino-pretty as a stream in this thread (no transport worker): redaction has already happened.
  const stream = pretty({
    destination: destination ?? 1,
    colorize: destination === undefined && process.stdout.isTTY === true,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname,svc",
    sync: true,
  });
  return pino(options, stream);
}
