import { randomBytes } from "node:crypto";

/** A key prefix of this test file's own, so files can share the one Redis in parallel. */
export function testRedisPrefix(label: string): string {
  return `kt-${label.replace(/[^a-zA-Z0-9]+/g, "")}-${process.pid}-${randomBytes(3).toString("hex")}`;
}
