import type { z } from "zod";
import { invalidData } from "../shared/index.ts";

/** The input parsed by its schema, or `invalid_input` naming each bad field (nothing is changed). */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, code = "invalid_input"): z.output<S> {
  const res = schema.safeParse(input);
  if (!res.success) {
    const issues = res.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    throw invalidData(code, issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; "), {
      issues,
    });
  }
  return res.data;
}
