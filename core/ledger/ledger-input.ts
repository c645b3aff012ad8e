import { invalidData } from "../shared/index.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function assertKey(key: unknown): asserts key is string {
  if (typeof key !== "string" || key.length === 0 || key.length > 200)
    throw invalidData("invalid_idempotency_key", "an idempotency key is a non-empty string of at most 200 characters");
}

export function assertUuid(value: unknown, what: string): asserts value is string {
  if (typeof value !== "string" || !UUID.test(value)) throw invalidData("invalid_id", `${what} must be a UUID`);
}
