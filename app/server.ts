import { serve, type ServerType } from "@hono/node-server";
import type { Hono } from "hono";
import type { Logger } from "./logger.ts";

export interface RunningServer {
  port: number;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes the rest. */
  stop(graceMs?: number): Promise<void>;
}

export function listen(app: Hono, port: number, host: string, logger: Logger): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    const server: ServerType = serve({ fetch: app.fetch, port, hostname: host }, (info) => {
      server.off("error", onError);
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
