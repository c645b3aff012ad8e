/**
 * Exceptional failures are thrown as one of these; expected business outcomes are returned as
 * discriminated unions instead (see each module's types). One mapper per edge turns these into an
 * HTTP status or a bot reply; anything else is masked as an internal error.
 */
export type ErrorType = "not_found" | "invalid_data" | "conflict" | "unauthorized" | "forbidden" | "unavailable";

export class DomainError extends Error {
  constructor(
    readonly type: ErrorType,
    /** Stable machine-readable code, e.g. `idempotency_conflict`. */
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const notFound = (code: string, message: string, details?: Record<string, unknown>) =>
  new DomainError("not_found", code, message, details);
export const invalidData = (code: string, message: string, details?: Record<string, unknown>) =>
  new DomainError("invalid_data", code, message, details);
export const conflict = (code: string, message: string, details?: Record<string, unknown>) =>
  new DomainError("conflict", code, message, details);
export const unauthorized = (code: string, message: string) => new DomainError("unauthorized", code, message);
export const forbidden = (code: string, message: string) => new DomainError("forbidden", code, message);
export const unavailable = (code: string, message: string) => new DomainError("unavailable", code, message);

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}

export function assertExhaustive(value: never, what = "value"): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`);
}
