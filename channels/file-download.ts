import { FileTooLargeError } from "../bots/turn.ts";

/**
 * Downloads a file a user sent to a channel, reading at most `limit` bytes: refused (FileTooLargeError) on
 * the response's `content-length` and again while the bytes stream in. A failed status is an error naming
 * `channel` and the status only — never the URL, which may hold a token. Each channel asks its own API where
 * the file is (and checks the size that API declares) before it calls this.
 */
export async function downloadAtMost(
  fetchFn: typeof fetch,
  url: string,
  init: RequestInit,
  limit: number,
  channel: string,
): Promise<Uint8Array> {
  const res = await fetchFn(url, init);
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`${channel}: file download failed with HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get("content-length") ?? Number.NaN);
  if (declared > limit) {
    await res.body?.cancel();
    throw new FileTooLargeError(limit, declared);
  }
  if (!res.body) return new Uint8Array();
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new FileTooLargeError(limit, total);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
