import type { Api } from "grammy";
import { FileTooLargeError } from "../../bots/turn.ts";
import { downloadAtMost } from "../file-download.ts";

/** The Bot API serves files up to 20 MB to bots (`getFile`); a self-hosted server can serve more. */
export const TELEGRAM_MAX_FILE_BYTES = 20 * 1024 * 1024;
export const DEFAULT_API_ROOT = "https://api.telegram.org";

/** Downloads a file the user sent; `knownSize` is what the message declared (checked before any call). */
export type ReadTelegramFile = (fileId: string, maxBytes: number, knownSize?: number) => Promise<Uint8Array>;

export interface TelegramFilesDeps {
  api: Pick<Api, "getFile">;
  token: string;
  /** No trailing slash. */
  apiRoot: string;
  fetch: typeof fetch;
  /** The channel's own limit; a bot asking for more still gets at most this. */
  maxBytes: number;
  timeoutMs: number;
}

/**
 * `getFile`, then a download from `<apiRoot>/file/bot<token>/<file_path>`, refusing more than the limit:
 * on the declared size, on `getFile`'s size, on `content-length`, and while the bytes stream in.
 * Errors never carry the download URL (it holds the token).
 */
export function telegramFileReader(deps: TelegramFilesDeps): ReadTelegramFile {
  return async (fileId, maxBytes, knownSize) => {
    const limit = Math.min(maxBytes, deps.maxBytes);
    if (knownSize !== undefined && knownSize > limit) throw new FileTooLargeError(limit, knownSize);
    const file = await deps.api.getFile(fileId);
    if (file.file_size !== undefined && file.file_size > limit) throw new FileTooLargeError(limit, file.file_size);
    if (!file.file_path) throw new Error("telegram: getFile returned no file_path");
    const url = `${deps.apiRoot}/file/bot${deps.token}/${file.file_path}`;
    return downloadAtMost(deps.fetch, url, { signal: AbortSignal.timeout(deps.timeoutMs) }, limit, "telegram");
  };
}

/** "20 MB", "1.5 MB", "900 KB": for the reply that refuses a file. */
export function formatFileSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

export function defaultFileTooLargeText(languageCode: string | undefined, maxBytes: number): string {
  const max = formatFileSize(maxBytes);
  return languageCode?.toLowerCase().startsWith("zh")
    ? `文件太大：最多 ${max}。请拆分成几个较小的文件再发送。`
    : `This file is too large: the limit is ${max}. Please split it into smaller files and send them again.`;
}
