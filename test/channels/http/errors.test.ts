import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { expectedErrorHandler, httpErrorHandler, readJson } from "../../../channels/http/errors.ts";
import { conflict } from "../../../core/shared/index.ts";

/** The one HTTP error mapper: a root app with a sub-app that answers its own expected failures. */
function apps() {
  const logged: object[] = [];
  const root = new Hono();
  root.use(requestId());
  root.onError(httpErrorHandler({ error: (obj) => void logged.push(obj) }));
  const sub = new Hono();
  sub.onError(expectedErrorHandler);
  sub.post("/json", async (c) => c.json(await readJson(c, z.object({ n: z.number().int() }))));
  sub.get("/conflict", () => {
    throw conflict("already_done", "it was done before", { orderId: "o1" });
  });
  sub.get("/boom", () => {
    throw new Error("secret internals");
  });
  root.route("/sub", sub);
  return { root, sub, logged };
}

describe("HTTP errors (channels/http/errors.ts)", () => {
  it("answers bad JSON and bad fields with specific codes, the same alone and mounted", async () => {
    const { root, sub } = apps();
    for (const app of [root, sub]) {
      const prefix = app === root ? "/sub" : "";
      const malformed = await app.request(`${prefix}/json`, { method: "POST", body: "{x" });
      expect(malformed.status).toBe(400);
      expect((await malformed.json()).error).toMatchObject({ code: "malformed_json" });
      const invalid = await app.request(`${prefix}/json`, { method: "POST", body: JSON.stringify({ n: 1.5 }) });
      expect(invalid.status).toBe(400);
      expect((await invalid.json()).error).toMatchObject({
        code: "invalid_data",
        details: { issues: [{ path: "n", message: expect.any(String) }] },
      });
    }
  });

  it("maps a DomainError to its status with details and the request id", async () => {
    const { root } = apps();
    const res = await root.request("/sub/conflict");
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({
      error: {
        code: "already_done",
        message: "it was done before",
        details: { orderId: "o1" },
        requestId: res.headers.get("x-request-id"),
      },
    });
  });

  it("leaves unknown errors to the root, which logs them and masks the message", async () => {
    const { root, logged } = apps();
    const res = await root.request("/sub/boom");
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body.error.code).toBe("internal_error");
    expect(JSON.stringify(body)).not.toContain("secret internals");
    expect(logged).toHaveLength(1);
  });
});
