import { Hono } from "hono";
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
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) => errorJson(c, 413, "payload_too_large", `the request body is larger than ${maxBodyBytes} bytes`),
    }),
  );
  app.onError(httpErrorHandler(logger));
  app.notFound((c) => errorJson(c, 404, "route_not_found", `no route for ${c.req.method} ${c.req.path}`));
  return app;
}
