import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../app/logger.ts";

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
