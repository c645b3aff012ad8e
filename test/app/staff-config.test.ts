import { describe, expect, it } from "vitest";
import { ConfigError, parseApprovalThresholds, parseConfig } from "../../app/config.ts";

describe("staff approval configuration", () => {
  it("reads per-currency thresholds in major units into minor units", () => {
    expect(parseApprovalThresholds("CNY:100,USD:15.5,XTR:1000")).toEqual({ CNY: 10_000n, USD: 1_550n, XTR: 1_000n });
    expect(parseApprovalThresholds(" CNY:0 ")).toEqual({ CNY: 0n });
    const c = parseConfig({ NODE_ENV: "test" });
    expect(c.STAFF_APPROVAL_REFUND_OVER).toBe("CNY:100,USD:15,XTR:1000");
    expect(c.STAFF_APPROVAL_TTL_HOURS).toBe(24);
  });

  it("names the variable and the problem for a bad value", () => {
    for (const [value, problem] of [
      ["100", "must be CURRENCY:amount pairs"],
      ["EUR:10", "unknown currency EUR"],
      ["XTR:1.5", "XTR has 0 decimal places at most"],
      ["CNY:1.234", "must be CURRENCY:amount pairs"],
    ]) {
      expect(() => parseConfig({ NODE_ENV: "test", STAFF_APPROVAL_REFUND_OVER: value! })).toThrow(ConfigError);
      expect(() => parseConfig({ NODE_ENV: "test", STAFF_APPROVAL_REFUND_OVER: value! })).toThrow(
        new RegExp(`STAFF_APPROVAL_REFUND_OVER[\\s\\S]*${problem}`),
      );
    }
    expect(() => parseConfig({ NODE_ENV: "test", STAFF_APPROVAL_TTL_HOURS: "0" })).toThrow(/STAFF_APPROVAL_TTL_HOURS/);
  });
});
