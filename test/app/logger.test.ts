import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, logFormat } from "../../app/logger.ts";

describe("logger", () => {
  it("never writes codes, passwords, secrets or tokens", () => {
    let out = "";
    const sink = new Writable({
      write(chunk, _enc, done) {
        out += chunk;
        done();
      },
    });
    const log = createLogger("info", sink);
    log.info(
      {
        code: "CARD-1234-SECRET",
        order: { codes: ["CARD-5678"], password: "pw-1" },
        apiKey: "kmg_live_x",
        token: "123:ABC",
      },
      "delivered",
    );
    expect(out).toContain("delivered");
    for (const secret of ["CARD-1234-SECRET", "CARD-5678", "pw-1", "kmg_live_x", "123:ABC"])
      expect(out).not.toContain(secret);
  });
});

describe("log format", () => {
  it("is pretty on a terminal and JSON otherwise, unless LOG_FORMAT says", () => {
    expect(logFormat("auto", true)).toBe("pretty");
    expect(logFormat("auto", false)).toBe("json");
    expect(logFormat("json", true)).toBe("json");
    expect(logFormat("pretty", false)).toBe("pretty");
  });

  it("pretty lines are readable and still redacted", () => {
    let out = "";
    const sink = new Writable({
      write(chunk, _enc, done) {
        out += chunk;
        done();
      },
    });
    createLogger("info", sink, "pretty").info({ orderId: "o-1", code: "CARD-SECRET-1" }, "order delivered");
    expect(out).toMatch(/INFO.*order delivered/);
    expect(out).toContain("o-1");
    expect(out).not.toContain("CARD-SECRET-1");
    expect(() => JSON.parse(out)).toThrow();
  });
});
