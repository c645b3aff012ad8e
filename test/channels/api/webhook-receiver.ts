import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  at: number;
  /** For a hanging path: when the sender gave up on it (closed the connection); undefined while open. */
  abandonedAt?: number;
}

/**
 * A distributor's receiver on a real local port: each path answers as its `behave` says — a status
 * (the n-th request to the path gets `statuses[n]`, the last one repeating), or `hang` (never answers).
 */
export async function startReceiver(behave: Record<string, number[] | "hang">) {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      const seen = received.filter((r) => r.path === path).length;
      const hit: Received = { path, headers: req.headers, body: Buffer.concat(chunks).toString(), at: Date.now() };
      received.push(hit);
      const b = behave[path] ?? [200];
      if (b === "hang") {
        hanging.push(res);
        res.on("close", () => (hit.abandonedAt = Date.now()));
        return;
      }
      res.writeHead(b[Math.min(seen, b.length - 1)]!, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (path: string) => `${root}${path}`,
    received,
    at: (path: string) => received.filter((r) => r.path === path),
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
