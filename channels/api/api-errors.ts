import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { invalidData } from "../../core/shared/index.ts";

/**
 * The API's error body, `{ error: { code, message, details?, requestId? } }` — the same shape the root
 * mapper (app/http/errors.ts) produces for thrown DomainErrors, so every answer looks alike.
 */
export function apiError(c: Context, status: ContentfulStatusCode, code: string, message: string, details?: unknown) {
  return c.json(
    {
      error: {
        code,
        message,
        ...(details === undefined ? {} : { details }),
        requestId: c.get("requestId" as never) as string | undefined,
      },
    },
    status,
  );
}

/** Parses a JSON body against a schema: `malformed_json` or `invalid_data` (with the field issues). */
export async function parseJsonBody<S extends z.ZodType>(raw: string, schema: S): Promise<z.output<S>> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw invalidData("malformed_json", "the request body is not valid JSON");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw invalidData("invalid_data", "the request is not valid", {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  return parsed.data;
}
