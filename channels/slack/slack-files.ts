import { FileTooLargeError, type FileInput } from "../../bots/turn.ts";
import { downloadAtMost } from "../file-download.ts";

/** What `files.info` says of a file (the fields used). */
export interface SlackFileInfo {
  id: string;
  name?: string;
  mimetype?: string;
  size?: number;
  url_private_download?: string;
  url_private?: string;
}

export interface SlackFilesDeps {
  /** `files.info` through the Web API client (bot token in its Authorization header). */
  info(fileId: string): Promise<SlackFileInfo>;
  botToken: string;
  fetch: typeof fetch;
  /** The channel's own cap, whatever the bot asks for. */
  maxBytes: number;
  timeoutMs: number;
}

/**
 * A file shared in Slack as a `FileInput`: `files.info` for its name, type, size and private URL, then
 * the download with the bot token (Slack serves private files only with it), refusing more than the limit
 * on the declared size, on `content-length` and while the bytes stream in. Errors never carry the token.
 */
export async function slackFileInput(deps: SlackFilesDeps, fileId: string, caption: string): Promise<FileInput> {
  const info = await deps.info(fileId);
  const size = info.size ?? 0;
  const url = info.url_private_download ?? info.url_private;
  return {
    kind: "file",
    name: info.name ?? "",
    mimeType: info.mimetype ?? "application/octet-stream",
    size,
    ...(caption ? { caption } : {}),
    read: async (maxBytes) => {
      const limit = Math.min(maxBytes, deps.maxBytes);
      if (size > limit) throw new FileTooLargeError(limit, size);
      if (!url) throw new Error(`slack: files.info gave no download URL for ${fileId}`);
      const init = {
        headers: { authorization: `Bearer ${deps.botToken}` },
        signal: AbortSignal.timeout(deps.timeoutMs),
      };
      return downloadAtMost(deps.fetch, url, init, limit, "slack");
    },
  };
}
