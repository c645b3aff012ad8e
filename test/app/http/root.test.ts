import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRootApp } from "../../../app/http/root.ts";
import { createMetrics } from "../../../app/http/metrics.ts";
import { createLogger } from "../../../app/logger.ts";
import { listen, type RunningServer } from "../../../app/server.ts";

/**
 * The root app's body limit over a real Node server: a body that declares its length is judged by the
 * header (and left for the handler to read straight from the socket); a chunked one is counted as it
 * arrives. Either way a body over the limit is answered 413 `payload_too_large`.
 */
describe("root app body limit (node server)", () => {
  let server: RunningServer;
  let seen: string[] = [];
  const send = (body: string, opts: { chunked?: boolean } = {}) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: "127.0.0.1",
          port: server.port,
          path: "/echo",
          method: "POST",
          agent: false,
          headers: opts.chunked ? { "transfer-encoding": "chunked" } : { "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          let data = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => (data += c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: data }));
        },
      );
      req.on("error", reject);
      if (opts.chunked) for (let i = 0; i < body.length; i += 16) req.write(body.slice(i, i + 16));
      else req.write(body);
      req.end();
    });

  beforeAll(async () => {
    const app = createRootApp({ logger: createLogger("silent"), metrics: createMetrics(), maxBodyBytes: 64 });
    app.post("/echo", async (c) => {
      const text = await c.req.text();
      seen.push(text);
      return c.json({ length: text.length });
    });
    server = await listen(app, 0, "127.0.0.1", createLogger("silent"));
  });
  afterAll(() => server.stop(1000));

  it("passes a body within the limit, declared or chunked, to the handler whole", async () => {
    seen = [];
    const body = JSON.stringify({ a: "x".repeat(40) });
    expect(await send(body)).toEqual({ status: 200, body: JSON.stringify({ length: body.length }) });
    expect(await send(body, { chunked: true })).toEqual({ status: 200, body: JSON.stringify({ length: body.length }) });
    expect(seen).toEqual([body, body]);
  });

  it("answers 413 payload_too_large for a body over the limit, declared or chunked, without running the handler", async () => {
    seen = [];
    for (const chunked of [false, true]) {
      const r = await send("y".repeat(65), { chunked });
      expect(r.status).toBe(413);
      expect(JSON.parse(r.body)).toMatchObject({ error: { code: "payload_too_large" } });
    }
    expect(seen).toEqual([]);
  });
});
