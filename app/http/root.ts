import { Hono, type Context, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { routePath } from "hono/route";
import type { Logger } from "../logger.ts";
import { errorJson, httpErrorHandler } from "../../channels/http/errors.ts";
import type { Metrics } from "./metrics.ts";

export interface RootOptions {
  logger: Logger;
  metrics: Metrics;
  maxBodyBytes?: number;
}

/** The Hono root every HTTP entry is mounted on: request ids, body limit, metrics, one error mapper. */
export function createRootApp({ logger, metrics, maxBodyBytes = 1024 * 1024 }: RootOptions) {
  const app = new Hono();
  app.use(requestId());
  app.use(async (c, next) => {
    const end = metrics.httpDuration.startTimer();
    await next();
    const route = routePath(c) || "unmatched";
    end({ method: c.req.method, route });
    metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
  });
  app.use(
    declaredBodyLimit(maxBodyBytes, (c) =>
      errorJson(c, 413, "payload_too_large", `the request body is larger than ${maxBodyBytes} bytes`),
    ),
  );
  app.onError(httpErrorHandler(logger));
  app.notFound((c) => errorJson(c, 404, "route_not_found", `no route for ${c.req.method} ${c.req.path}`));
  return app;
}

/**
 * The body limit. A body that declares its length (Content-Length, no Transfer-Encoding) is judged by that
 * header alone — Node's HTTP parser never hands a handler more than it declares — and left untouched, so
 * the handler reads it straight from the socket (@hono/node-server's direct read). Hono's `bodyLimit` looks
 * at `c.req.raw.body` first, which builds a full web Request, an AbortSignal and a web stream around every
 * request: a fifth of the server's CPU in a burst of small orders. A chunked body is counted as it arrives
 * (hono's `bodyLimit`), as before.
 */
function declaredBodyLimit(maxSize: number, onError: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  const streamed = bodyLimit({ maxSize, onError });
  return async (c, next) => {
    const { method } = c.req;
    if (method === "GET" || method === "HEAD") return next();
    const length = c.req.header("content-length");
    if (length === undefined || c.req.header("transfer-encoding") !== undefined) return streamed(c, next);
    return Number.parseInt(length, 10) > maxSize ? onError(c) : next();
  };
}
