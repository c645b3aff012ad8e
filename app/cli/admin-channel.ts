import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { chmod, unlink, writeFile } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import type { Container } from "../container.ts";
import {
  adminSecretOf,
  adminSocketOf,
  MAX_REQUEST_BYTES,
  type AdminReply,
  type AdminRequest,
} from "./admin-protocol.ts";
import { runCli } from "./run-cli.ts";

export interface AdminChannel {
  socketPath: string;
  close(): Promise<void>;
}

/**
 * Opens DATA_DIR/admin.sock for operator commands sent by the CLI while this process holds the embedded
 * database. A fresh secret is written to DATA_DIR/admin.secret (0600) at each start; a request without it
 * is refused. Each command runs through the same command code as in the CLI's own process, against this
 * process's container, with the `system` actor labelled `cli:<pid>@admin`.
 */
export async function openAdminChannel(c: Container): Promise<AdminChannel> {
  const dataDir = c.config.DATA_DIR;
  const socketPath = adminSocketOf(dataDir);
  const secretPath = adminSecretOf(dataDir);
  const logger = c.logger.child({ part: "admin-channel" });
  // sun_path holds 107 bytes on Linux; a longer path would bind somewhere else or fail obscurely.
  if (Buffer.byteLength(socketPath) > 107)
    throw new Error(`the admin socket path ${socketPath} is too long for a Unix socket: use a shorter DATA_DIR`);
  const secret = randomBytes(32).toString("base64url");
  // This process holds the database lock: files left by an earlier run are stale.
  await unlink(secretPath).catch(() => {});
  await unlink(socketPath).catch(() => {});
  await writeFile(secretPath, secret + "\n", { mode: 0o600, flag: "wx" });
  await chmod(secretPath, 0o600);

  const running = new Set<Promise<void>>();
  const server = createServer((socket) => {
    const done = serveOne(socket, secret, c, logger).catch((e: unknown) => {
      logger.error({ err: e }, "admin command failed");
      socket.destroy();
    });
    running.add(done);
    void done.finally(() => running.delete(done));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => {
      server.off("error", reject);
      resolve();
    });
  });
  await chmod(socketPath, 0o600);
  logger.info({ socket: socketPath }, "admin channel open: operator commands run in this process");

  return {
    socketPath,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...running]);
      await unlink(socketPath).catch(() => {});
      await unlink(secretPath).catch(() => {});
    },
  };
}

async function serveOne(socket: Socket, secret: string, c: Container, logger: Container["logger"]): Promise<void> {
  const send = (r: AdminReply) => {
    if (!socket.destroyed) socket.write(JSON.stringify(r) + "\n");
  };
  const line = await firstLine(socket);
  if (line === undefined) return void socket.destroy();
  const req = parseRequest(line);
  if (!req || !sameSecret(req.secret, secret)) {
    // One answer whatever was wrong, so the channel says nothing about its secret.
    logger.warn(req ? "admin command refused: wrong secret" : "admin command refused: malformed request");
    send({ t: "refused", message: "the running shop refused the command: wrong or missing admin secret" });
    return void socket.end();
  }
  const files = new Map(req.files.map(([name, b64]) => [name, Buffer.from(b64, "base64")]));
  const code = await runCli(req.argv, {
    container: c,
    remote: true,
    actor: `cli:${req.pid}@admin`,
    files,
    io: { stdout: (s) => send({ t: "out", s }), stderr: (s) => send({ t: "err", s }), isTTY: false },
  });
  logger.info({ command: req.argv.filter((a) => !a.startsWith("-")).slice(0, 2), exitCode: code }, "admin command");
  send({ t: "exit", code });
  socket.end();
}

function firstLine(socket: Socket): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (v: string | undefined) => {
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("error", onEnd);
      resolve(v);
    };
    const onData = (d: Buffer) => {
      const nl = d.indexOf(10);
      chunks.push(nl === -1 ? d : d.subarray(0, nl));
      size += d.length;
      if (nl !== -1) finish(Buffer.concat(chunks).toString("utf8"));
      else if (size > MAX_REQUEST_BYTES) finish(undefined);
    };
    const onEnd = () => finish(undefined);
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("error", onEnd);
  });
}

function parseRequest(line: string): AdminRequest | undefined {
  try {
    const r = JSON.parse(line) as Partial<AdminRequest>;
    const ok =
      typeof r.secret === "string" &&
      Array.isArray(r.argv) &&
      r.argv.every((a) => typeof a === "string") &&
      Number.isInteger(r.pid) &&
      Array.isArray(r.files) &&
      r.files.every((f) => Array.isArray(f) && typeof f[0] === "string" && typeof f[1] === "string");
    return ok ? (r as AdminRequest) : undefined;
  } catch {
    return undefined;
  }
}

function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
