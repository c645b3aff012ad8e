import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpKycProvider } from "../../../core/kyc/index.ts";
import { ManualClock } from "../../../core/shared/index.ts";

const SECRET = "kyc_bridge_secret_0123456789";

/**
 * A provider bridge speaking the documented protocol on a local port: it checks the signature and answers
 * like a provider would (a match, a mismatch, an error, a hang, garbage), so every branch of the adapter runs
 * over real HTTP.
 */
describe("the HTTP verification provider", () => {
  let server: Server;
  let url: string;
  const seen: Array<{ body: string; signatureOk: boolean }> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const ts = String(req.headers["x-kyc-timestamp"]);
        const sig = createHmac("sha256", SECRET).update(`${ts}.${body}`).digest("hex");
        const signatureOk = sig === req.headers["x-kyc-signature"];
        seen.push({ body, signatureOk });
        const { name } = JSON.parse(body) as { name: string };
        if (!signatureOk) return res.writeHead(401).end();
        if (name === "Hang") return; // never answers
        if (name === "Boom") return res.writeHead(503).end("down");
        if (name === "Garbage") return res.writeHead(200, { "content-type": "application/json" }).end('{"ok":1}');
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ result: name === "Wrong Person" ? "mismatch" : "match", reference: "prov-123" }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/verify`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const provider = (secret = SECRET) =>
    createHttpKycProvider({ name: "bridge", url, secret, clock: new ManualClock(), timeoutMs: 500 });
  const ask = (name: string, secret?: string) =>
    provider(secret).verify({
      requestId: "0190a0a0-0000-7000-8000-00000000000a",
      name,
      idNumber: "11010519491231002X",
    });

  it("signs the request and reads a match or a mismatch", async () => {
    expect(await ask("Zhang San")).toEqual({ result: "match", reference: "prov-123" });
    expect(await ask("Wrong Person")).toEqual({ result: "mismatch", reference: "prov-123" });
    expect(seen.at(-1)).toMatchObject({ signatureOk: true });
    expect(JSON.parse(seen.at(-1)!.body)).toEqual({
      requestId: "0190a0a0-0000-7000-8000-00000000000a",
      name: "Wrong Person",
      idNumber: "11010519491231002X",
    });
  });

  it("answers unavailable for a refused signature, an error, a timeout or a body of another shape", async () => {
    for (const [name, secret] of [["Zhang San", "wrong_secret_0123456789"], ["Boom"], ["Hang"], ["Garbage"]] as const)
      expect(await ask(name, secret)).toMatchObject({ result: "unavailable" });
  });
});
