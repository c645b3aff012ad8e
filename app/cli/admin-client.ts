import { readFile } from "node:fs/promises";
import { connect } from "node:net";
import { adminSecretOf, adminSocketOf, type AdminReply, type AdminRequest } from "./admin-protocol.ts";
import type { CliRun } from "./cli-run.ts";
import { CliError } from "./cli-support.ts";

/**
 * Hands this command to the process `pid` that holds the embedded database (its admin channel,
 * app/cli/admin-channel.ts) and prints what it prints there; answers the command's exit code.
 */
export async function handToRunningShop(dataDir: string, pid: number, run: CliRun): Promise<number> {
  const secretPath = adminSecretOf(dataDir);
  const socketPath = adminSocketOf(dataDir);
  const secret = await readFile(secretPath, "utf8").then(
    (s) => s.trim(),
    (e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT")
        throw new CliError(
          `the embedded database in ${dataDir} is in use by process ${pid}, which takes no operator commands ` +
            `(no ${secretPath}: not a running \`serve\`?); stop it, or set DATABASE_URL to share PostgreSQL`,
        );
      throw new CliError(
        `the embedded database in ${dataDir} is in use by the running shop (process ${pid}), but ${secretPath} ` +
          `cannot be read (${e.code}): run the command as the user who runs the shop`,
      );
    },
  );
  const request: AdminRequest = {
    secret,
    argv: run.argv,
    pid: process.pid,
    files: [...run.files].map(([name, data]) => [name, data.toString("base64")]),
  };
  return new Promise<number>((resolve, reject) => {
    const socket = connect(socketPath);
    let buffered = "";
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      f();
      socket.destroy();
    };
    socket.on("connect", () => socket.write(JSON.stringify(request) + "\n"));
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      buffered += d;
      for (let nl = buffered.indexOf("\n"); nl !== -1; nl = buffered.indexOf("\n")) {
        const reply = JSON.parse(buffered.slice(0, nl)) as AdminReply;
        buffered = buffered.slice(nl + 1);
        if (reply.t === "out") run.io.stdout(reply.s);
        else if (reply.t === "err") run.io.stderr(reply.s);
        else if (reply.t === "exit") settle(() => resolve(reply.code));
        else settle(() => reject(new CliError(reply.message, 77))); // EX_NOPERM
      }
    });
    socket.on("error", (e: NodeJS.ErrnoException) =>
      settle(() =>
        reject(
          new CliError(
            `the embedded database in ${dataDir} is in use by process ${pid}, which does not answer on ${socketPath} ` +
              `(${e.code ?? e.message}: starting or stopping?); try again in a moment`,
            69,
          ),
        ),
      ),
    );
    socket.on("close", () =>
      settle(() => reject(new CliError("the running shop closed the admin channel before the command finished", 69))),
    );
  });
}
