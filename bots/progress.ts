import type { ProgressMessage } from "./turn.ts";

/** How a channel posts and edits the progress message (its SDK calls). */
export interface ProgressTransport {
  /** Posts the message; answers its id (null when it could not be posted). */
  post(text: string): Promise<string | null>;
  edit(messageId: string, text: string): Promise<void>;
  /** Failures are logged here, never thrown (progress is best effort). */
  onError?(err: unknown): void;
}

/**
 * A `ProgressMessage` over a channel's post/edit: the first update posts, later ones edit, at most one
 * edit every `intervalMs` (a skipped text is replaced by the next; `done` always goes out, after the
 * edits before it). Calls run one at a time, in order.
 */
export function throttledProgress(
  transport: ProgressTransport,
  opts: { intervalMs: number; now?: () => number },
): ProgressMessage {
  const now = opts.now ?? Date.now;
  let messageId: string | null | undefined;
  let lastShown = Number.NEGATIVE_INFINITY;
  let lastText = "";
  let started = false;
  let chain: Promise<void> = Promise.resolve();

  const show = async (text: string) => {
    if (text === lastText) return;
    lastText = text;
    try {
      if (messageId === undefined) messageId = await transport.post(text);
      else if (messageId !== null) await transport.edit(messageId, text);
    } catch (err) {
      transport.onError?.(err);
    }
  };

  return {
    update(text, o = {}) {
      const t = now();
      if (!o.done && started && t - lastShown < opts.intervalMs) return chain;
      started = true;
      lastShown = t;
      chain = chain.then(() => show(text));
      return chain;
    },
  };
}
