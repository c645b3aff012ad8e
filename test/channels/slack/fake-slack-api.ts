import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One Web API call as Slack received it (form-encoded; `blocks` arrives as a JSON string). */
export interface SlackApiCall {
  method: string;
  /** The Authorization header (the bot token travels here, never in the body). */
  authorization: string | undefined;
  params: Record<string, string>;
  blocks: Array<{
    type: string;
    text?: { text: string };
    elements?: Array<{ text: { text: string }; value?: string }>;
  }>;
}

/**
 * The Slack Web API at its HTTP boundary, on a real localhost port: records every call and answers
 * `ok` with a fresh message `ts` (what `chat.postMessage` and `chat.update` return).
 */
export interface FakeSlackApi {
  /** What to set as SLACK_API_URL. */
  url: string;
  calls: SlackApiCall[];
  /** Methods answered `{ ok: false, error: "message_not_found" }` (as Slack does for a deleted message). */
  failing: Set<string>;
  close(): Promise<void>;
}

export async function serveFakeSlackApi(): Promise<FakeSlackApi> {
  const calls: SlackApiCall[] = [];
  const failing = new Set<string>();
  let ts = 0;
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
    req.on("end", () => {
      const method = (req.url ?? "").replace(/^\/api\//, "").split("?")[0]!;
      const params = Object.fromEntries(new URLSearchParams(raw));
      calls.push({
        method,
        authorization: req.headers.authorization,
        params,
        blocks: params.blocks ? JSON.parse(params.blocks) : [],
      });
      res.setHeader("content-type", "application/json");
      if (failing.has(method)) return void res.end(JSON.stringify({ ok: false, error: "message_not_found" }));
      res.end(JSON.stringify({ ok: true, channel: params.channel, ts: `1764000000.${String(++ts).padStart(6, "0")}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`,
    calls,
    failing,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A call's visible text: its sections' mrkdwn joined. */
export const shown = (c: SlackApiCall) => c.blocks.map((b) => b.text?.text ?? "").join("\n");
