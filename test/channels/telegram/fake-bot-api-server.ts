import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import type { FakeBotApi } from "./fake-bot-api.ts";

/** The fake Bot API on a real localhost port, for processes (or wiring) that reach Telegram over HTTP. */
export interface FakeBotApiServer {
  /** What to set as TELEGRAM_API_ROOT. */
  root: string;
  close(): Promise<void>;
}

export async function serveFakeBotApi(api: FakeBotApi): Promise<FakeBotApiServer> {
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve(
      {
        fetch: async (req) => api.fetch(req.url, { method: req.method, body: await req.text() }),
        port: 0,
        hostname: "127.0.0.1",
      },
      () => resolve(s),
    );
  });
  return {
    root: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
