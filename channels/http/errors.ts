import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { invalidData, isDomainError, type DomainError, type ErrorType } from "../../core/shared/index.ts";

/**
 * The one error shape and the one error mapper of every HTTP edge (the root app, the distributor API,
 * the web chat, payment webhooks): `{ error: { code, message, details?, requestId? } }`. It lives with
 * the channels so they can use it without importing the app; the app's root mounts `httpErrorHandler`.
 */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown; requestId?: string };
}

export interface ErrorLogger {
  error(obj: object, msg?: string): void;
}

const STATUS: Record<ErrorType, ContentfulStatusCode> = {
  not_found: 404,
  invalid_data: 400,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  unavailable: 503,
};

export function errorJson(c: Context, status: ContentfulStatusCode, code: string, message: string, details?: unknown) {
  const body: ErrorBody = {
    error: {
      code,
      message,
      ...(details === undefined ? {} : { details }),
      requestId: c.get("requestId" as never) as string | undefined,
    },
  };
  return c.json(body, status);
}

/** The field problems of a failed zod parse, as `details`: `{ issues: [{ path, message }] }`. */
export function issuesOf(err: z.ZodError): { issues: { path: string; message: string }[] } {
  return { issues: err.issues.map((i) => ({ path: i.path.join("."), message: i.message })) };
}

/** The answer for an expected failure (a typed DomainError, a zod error, an HTTPException); undefined otherwise. */
export function expectedErrorResponse(err: Error, c: Context): Response | undefined {
  if (isDomainError(err)) return domainErrorJson(c, err);
  if (err instanceof z.ZodError) return errorJson(c, 400, "invalid_data", "the request is not valid", issuesOf(err));
  if (err instanceof HTTPException) {
    if (err.status === 413) return errorJson(c, 413, "payload_too_large", "the request body is too large");
    return errorJson(c, err.status as ContentfulStatusCode, "http_error", err.message || "request failed");
  }
  return undefined;
}

export function domainErrorJson(c: Context, err: DomainError) {
  return errorJson(c, STATUS[err.type], err.code, err.message, err.details);
}

/** The root mapper (`app.onError`): expected failures get their status, anything unknown is logged and masked. */
export function httpErrorHandler(logger: ErrorLogger) {
  return (err: Error, c: Context) => {
    const expected = expectedErrorResponse(err, c);
    if (expected) return expected;
    logger.error({ err, requestId: c.get("requestId" as never), path: c.req.path }, "unhandled error");
    return errorJson(
      c,
      500,
      "internal_error",
      "something went wrong on our side; the request id helps support find it",
    );
  };
}

/**
 * For a sub-app that must answer its own expected failures even when mounted alone (tests, embedding):
 * unknown errors are rethrown to the enclosing app's `httpErrorHandler`, which logs and masks them.
 */
export function expectedErrorHandler(err: Error, c: Context): Response {
  const expected = expectedErrorResponse(err, c);
  if (expected) return expected;
  throw err;
}

/** Parses a JSON text against a schema; throws `malformed_json` or `invalid_data` (with the field issues). */
export function parseJsonBody<S extends z.ZodType>(raw: string, schema: S): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw invalidData("malformed_json", "the request body is not valid JSON");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw invalidData("invalid_data", "the request is not valid", issuesOf(parsed.error));
  return parsed.data;
}

/** `parseJsonBody` over the request's body. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  return parseJsonBody(await c.req.text(), schema);
}
