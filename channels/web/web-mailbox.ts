import type { OutboundMessage, Reply } from "../../bots/turn.ts";
import { kept, type WebTranscript } from "./web-transcript.ts";

/** A reply with the transcript id it is kept under (none for a toast, or without a transcript). */
export type WebReply = Reply & { mid?: string };

export interface MailboxEntry {
  seq: number;
  replies: WebReply[];
}

/**
 * Messages the bot sends on its own (progress, deliveries) waiting for a browser to poll them.
 * In process memory: fine for the embedded default's single process. Entries expire after `ttlMs`,
 * and at most `maxPerBrowser` are kept per browser. With several server processes, route the web
 * channel's outbound messages to the process serving the page (or run the web chat in one process).
 */
export interface WebMailbox {
  /** Keeps the messages in the transcript (when there is one), then wakes the browser's poll. */
  deliver(msg: Pick<OutboundMessage, "chatId" | "replies">): Promise<void>;
  /** Entries after `after`, waiting up to `waitMs` for the first one. */
  take(browserId: string, after: number, waitMs: number, signal?: AbortSignal): Promise<MailboxEntry[]>;
  /** The newest sequence number for a browser (0 when none). */
  head(browserId: string): number;
  /** Ends every waiting poll now and makes later polls return at once (server shutdown). */
  close(): void;
}

export function createWebMailbox(
  opts: {
    maxPerBrowser?: number;
    ttlMs?: number;
    maxBrowsers?: number;
    now?: () => number;
    /** Where the browser's conversation is kept across reloads. */
    transcript?: WebTranscript;
  } = {},
): WebMailbox {
  const max = opts.maxPerBrowser ?? 200;
  const ttl = opts.ttlMs ?? 60 * 60_000;
  const maxBrowsers = opts.maxBrowsers ?? 10_000;
  const now = opts.now ?? Date.now;
  const boxes = new Map<string, { seq: number; items: (MailboxEntry & { at: number })[]; waiters: Set<() => void> }>();
  let closed = false;

  const box = (id: string) => {
    let b = boxes.get(id);
    if (!b) {
      if (boxes.size >= maxBrowsers) {
        const oldest = boxes.keys().next().value;
        if (oldest !== undefined) boxes.delete(oldest);
      }
      boxes.set(id, (b = { seq: 0, items: [], waiters: new Set() }));
    }
    return b;
  };
  const prune = (b: ReturnType<typeof box>) => {
    const cutoff = now() - ttl;
    while (b.items.length && (b.items.length > max || b.items[0]!.at < cutoff)) b.items.shift();
  };

  return {
    async deliver(msg) {
      const replies = opts.transcript ? await keep(opts.transcript, msg.chatId, msg.replies) : msg.replies;
      const b = box(msg.chatId);
      b.items.push({ seq: ++b.seq, replies, at: now() });
      prune(b);
      for (const w of [...b.waiters]) w();
    },
    close() {
      closed = true;
      for (const b of boxes.values()) for (const w of [...b.waiters]) w();
    },
    head(browserId) {
      return boxes.get(browserId)?.seq ?? 0;
    },
    async take(browserId, after, waitMs, signal) {
      const b = box(browserId);
      prune(b);
      const ready = () => b.items.filter((e) => e.seq > after).map(({ seq, replies }) => ({ seq, replies }));
      let out = ready();
      if (out.length || waitMs <= 0 || closed) return out;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          b.waiters.delete(done);
          signal?.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, waitMs);
        b.waiters.add(done);
        signal?.addEventListener("abort", done);
      });
      out = ready();
      return out;
    },
  };
}

/** Appends the replies worth keeping to the transcript and tags each with its id. */
export async function keep(transcript: WebTranscript, browserId: string, replies: Reply[]): Promise<WebReply[]> {
  const toKeep = replies.filter(kept);
  const mids = await transcript.append(
    browserId,
    toKeep.map((reply) => ({ from: "bot", reply })),
  );
  const midOf = new Map<Reply, string>(toKeep.map((r, i) => [r, mids[i]!]));
  return replies.map((r) => (midOf.has(r) ? { ...r, mid: midOf.get(r)! } : r));
}
