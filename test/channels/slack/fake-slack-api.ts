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
    elements?: Array<{ text: { text: string }; value?: string; style?: string; confirm?: { text: { text: string } } }>;
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
  /** Per method, how many more calls are refused with a 429 and `Retry-After: 1` (Slack's rate limit). */
  limited: Map<string, number>;
  /**
   * A file a user shared: `files.info` describes it (`declaredSize` overrides its size) and its private
   * URL serves the bytes only with the bot token (else 403). Returns the file id (`F…`).
   */
  addFile(bytes: Uint8Array | string, opts: { name: string; mimetype?: string; declaredSize?: number }): string;
  /** File downloads, with the Authorization header each came with. */
  downloads: Array<{ fileId: string; authorization: string | undefined }>;
  /**
   * What Slack does with a slash command's HTTP response: a JSON body is a message shown in the channel.
   * Records it among `calls` as method `ack` (params `channel`, `text`, `response_type`); an empty ack
   * records nothing. Call it with the response of each slash command sent.
   */
  recordAck(res: Response, channel: string): Promise<void>;
  close(): Promise<void>;
}

export async function serveFakeSlackApi(): Promise<FakeSlackApi> {
  const calls: SlackApiCall[] = [];
  const failing = new Set<string>();
  const limited = new Map<string, number>();
  const files = new Map<string, { name: string; mimetype: string; bytes: Uint8Array; size: number }>();
  const downloads: FakeSlackApi["downloads"] = [];
  let fileSeq = 0;
  let ts = 0;
  let base = "";
  const server: Server = createServer((req, res) => {
    const download = /^\/files-pri\/T0KAMENG-(F[A-Z0-9]+)\//.exec(req.url ?? "");
    if (download) {
      const f = files.get(download[1]!);
      downloads.push({ fileId: download[1]!, authorization: req.headers.authorization });
      if (!f) return void res.writeHead(404).end();
      if (!req.headers.authorization?.startsWith("Bearer xoxb-")) return void res.writeHead(403).end();
      res.writeHead(200, { "content-type": f.mimetype, "content-length": String(f.bytes.byteLength) });
      return void res.end(Buffer.from(f.bytes));
    }
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
      const refusals = limited.get(method) ?? 0;
      if (refusals > 0) {
        limited.set(method, refusals - 1);
        res.writeHead(429, { "retry-after": "1", "content-type": "application/json" });
        return void res.end(JSON.stringify({ ok: false, error: "ratelimited" }));
      }
      res.setHeader("content-type", "application/json");
      if (failing.has(method)) return void res.end(JSON.stringify({ ok: false, error: "message_not_found" }));
      if (method === "files.info") {
        const f = files.get(params.file ?? "");
        if (!f) return void res.end(JSON.stringify({ ok: false, error: "file_not_found" }));
        const url = `${base}files-pri/T0KAMENG-${params.file}/${encodeURIComponent(f.name)}`;
        return void res.end(
          JSON.stringify({
            ok: true,
            file: {
              id: params.file,
              name: f.name,
              title: f.name,
              mimetype: f.mimetype,
              filetype: "text",
              size: f.size,
              url_private: url,
              url_private_download: `${url}?download=1`,
            },
          }),
        );
      }
      res.end(JSON.stringify({ ok: true, channel: params.channel, ts: `1764000000.${String(++ts).padStart(6, "0")}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url: `${base}api/`,
    calls,
    failing,
    limited,
    downloads,
    addFile(bytes, opts) {
      const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
      const id = `F0FAKE${String(++fileSeq).padStart(4, "0")}`;
      files.set(id, {
        name: opts.name,
        mimetype: opts.mimetype ?? "text/plain",
        bytes: data,
        size: opts.declaredSize ?? data.byteLength,
      });
      return id;
    },
    async recordAck(res, channel) {
      const raw = await res.clone().text();
      if (!raw) return;
      const m = JSON.parse(raw) as { text: string; response_type?: string; blocks?: SlackApiCall["blocks"] };
      calls.push({
        method: "ack",
        authorization: undefined,
        params: { channel, text: m.text, ...(m.response_type ? { response_type: m.response_type } : {}) },
        blocks: m.blocks ?? [],
      });
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A call's visible text: its sections' mrkdwn joined. */
export const shown = (c: SlackApiCall) => c.blocks.map((b) => b.text?.text ?? "").join("\n");
