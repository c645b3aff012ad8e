import { describe, expect, it } from "vitest";
import { checkTargetPattern, MAX_PATTERN_LENGTH } from "../../../core/catalog/index.ts";

describe("checkTargetPattern", () => {
  it.each(["\\d{5,12}", "[A-Za-z][A-Za-z0-9_]{5,19}", "(?:cn|hk)-\\d{6}", "\\d{3}(-\\d{4})?"])("accepts %s", (p) => {
    expect(checkTargetPattern(p).ok).toBe(true);
  });

  it.each([
    ["(a+)+", /nested/],
    ["(\\d*)*x", /nested/],
    ["(a|aa)+", /nested/],
    ["((ab)+c)*", /nested/],
    ["(a)\\1", /backreferences/],
    ["[a-", /not a valid/],
    ["", /empty/],
    ["a".repeat(MAX_PATTERN_LENGTH + 1), /longer/],
  ])("rejects %s", (p, reason) => {
    const res = checkTargetPattern(p);
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.reason).toMatch(reason);
  });
});
