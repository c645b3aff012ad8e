import { describe, expect, it } from "vitest";
import { parseCodeLine, parseExpiry, readLines } from "../../../core/inventory/code-lines.ts";

const now = new Date("2026-01-01T00:00:00Z");
const line = (text: string, no = 2) => parseCodeLine({ no, text }, now, no === 1);

describe("code lines", () => {
  it("splits chunks into numbered lines across chunk borders, CRLF and BOM", async () => {
    async function* chunks() {
      yield "\uFEFFA1,p1\r\nB";
      yield new TextEncoder().encode("2\n\nC3");
    }
    const out = [];
    for await (const l of readLines(chunks())) out.push(l);
    expect(out).toEqual([
      { no: 1, text: "A1,p1" },
      { no: 2, text: "B2" },
      { no: 3, text: "" },
      { no: 4, text: "C3" },
    ]);
  });

  it("drops an overlong line without buffering it", async () => {
    const out = [];
    for await (const l of readLines(`ok\n${"x".repeat(5000)}\nok2\n`)) out.push(l);
    expect(out).toEqual([
      { no: 1, text: "ok" },
      { no: 2, text: "", overlong: true },
      { no: 3, text: "ok2" },
    ]);
  });

  it("parses code, password and expiry", () => {
    expect(line(" ABC ")).toEqual({ ok: true, code: "ABC", password: null, expiresAt: null });
    expect(line("ABC,pw")).toEqual({ ok: true, code: "ABC", password: "pw", expiresAt: null });
    expect(line("ABC\tpw")).toEqual({ ok: true, code: "ABC", password: "pw", expiresAt: null });
    expect(line('"AB,C",pw,2026-12-31')).toEqual({
      ok: true,
      code: "AB,C",
      password: "pw",
      expiresAt: new Date("2026-12-31T15:59:59.999Z"),
    });
    expect(line("ABC,,2026-06-01T12:00:00Z")).toMatchObject({
      password: null,
      expiresAt: new Date("2026-06-01T12:00:00Z"),
    });
    expect(line("code,password,expiry", 1)).toEqual({ ok: "header" });
  });

  it.each([
    ["", "empty_line"],
    [",pw", "empty_code"],
    ["a,b,2026-12-31,d", "too_many_fields"],
    ["x".repeat(257), "too_long"],
    ["AB C,pw", "invalid_characters"],
    ["ABC,pw,31/12/2026", "bad_expiry"],
    ["ABC,pw,2026-02-30", "bad_expiry"],
    ["ABC,pw,2025-12-31", "expired"],
    ['"ABC,pw', "malformed_csv"],
  ])("rejects %j as %s", (text, reason) => {
    expect(line(text)).toEqual({ ok: false, reason });
  });

  it("reads date-only expiries as the end of that day in UTC+8", () => {
    expect(parseExpiry("2026-03-01")?.toISOString()).toBe("2026-03-01T15:59:59.999Z");
    expect(parseExpiry("2026-03-01T08:00")?.toISOString()).toBe("2026-03-01T00:00:00.000Z");
    expect(parseExpiry("2026-13-01")).toBeNull();
  });
});
