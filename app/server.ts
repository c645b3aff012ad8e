import { createAdaptorServer, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import type { Hono } from "hono";
import type { Logger } from "./logger.ts";

export interface RunningServer {
  port: number;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes the rest. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Connections the kernel may hold completed but not yet accepted (capped by net.core.somaxconn). Node's
 * default is 511: a burst of 1,000 new clients (a sold-out drop) overflowed it, and each connection dropped
 * there waited for the kernel's SYN-ACK retransmit — a whole second or more — before its request was read.
 */
export const LISTEN_BACKLOG = 4096;

export function listen(app: Hono, port: number, host: string, logger: Logger): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    const server: ServerType = createAdaptorServer({ fetch: app.fetch, hostname: host });
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      server.off("error", onError);
      const info = server.address() as AddressInfo;
      resolve({
        port: info.port,
        stop: (graceMs = 10_000) =>
          new Promise<void>((done) => {
            const force = setTimeout(() => {
              logger.warn("closing connections still open after the grace period");
              (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
            }, graceMs).unref();
            server.close(() => {
              clearTimeout(force);
              done();
            });
            (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
          }),
      });
    });
    server.once("error", onError);
  });
}
