import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { isDomainError, type ErrorType } from "../../core/shared/index.ts";
import type { Logger } from "../logger.ts";

const STATUS: Record<ErrorType, ContentfulStatusCode> = {
  not_found: 404,
  invalid_data: 400,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  unavailable: 503,
};

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown; requestId?: string };
}

export function errorJson(c: Context, status: ContentfulStatusCode, code: string, message: string, details?: unknown) {
  const body: ErrorBody = {
    error: {
      code,
      message,
      ...(details === undefined ? {} : { details }),
      requestId: c.get("requestId") as string | undefined,
    },
  };
  return c.json(body, status);
}

/** The one error mapper for HTTP: typed errors become their status, anything unknown is masked. */
export function httpErrorHandler(logger: Logger) {
  return (err: Error, c: Context) => {
    if (isDomainError(err)) return errorJson(c, STATUS[err.type], err.code, err.message, err.details);
    if (err instanceof z.ZodError) return errorJson(c, 400, "invalid_data", "the request is not valid", zodIssues(err));
    if (err instanceof HTTPException) {
      if (err.status === 413) return errorJson(c, 413, "payload_too_large", "the request body is too large");
      return errorJson(c, err.status as ContentfulStatusCode, "http_error", err.message || "request failed");
    }
    logger.error({ err, requestId: c.get("requestId"), path: c.req.path }, "unhandled error");
    return errorJson(
      c,
      500,
      "internal_error",
      "something went wrong on our side; the request id helps support find it",
    );
  };
}

export function zodIssues(err: z.ZodError) {
  return err.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
}

/** Parses a JSON body against a schema, with specific errors for bad JSON and bad fields. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(await c.req.text());
  } catch {
    throw new HTTPException(400, { res: errorJson(c, 400, "malformed_json", "the request body is not valid JSON") });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new HTTPException(400, {
      res: errorJson(c, 400, "invalid_data", "the request is not valid", zodIssues(parsed.error)),
    });
  return parsed.data;
}
