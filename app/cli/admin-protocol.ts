import path from "node:path";

/**
 * The admin channel between the CLI and a running `serve` on the embedded database (which only that process
 * may open): a Unix socket and a secret, both in DATA_DIR and readable by the shop's user only (0600).
 * One connection carries one command: the CLI sends one JSON line, serve answers with JSON lines.
 */
export const adminSocketOf = (dataDir: string) => path.join(dataDir, "admin.sock");
export const adminSecretOf = (dataDir: string) => path.join(dataDir, "admin.secret");

export interface AdminRequest {
  secret: string;
  /** The command line after the program name, exactly as typed. */
  argv: string[];
  /** Who runs it: the CLI's process id (the command's actor label is `cli:<pid>@admin`). */
  pid: number;
  /** Input files the command read on the CLI's machine, by the name given on the command line. */
  files: Array<[name: string, base64: string]>;
}

export type AdminReply =
  { t: "out"; s: string } | { t: "err"; s: string } | { t: "exit"; code: number } | { t: "refused"; message: string };

/** The largest request line serve accepts: the CLI's input-file cap as base64, plus room for the rest. */
export const MAX_REQUEST_BYTES = 96 * 1024 * 1024;
