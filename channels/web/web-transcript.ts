import type { Reply } from "../../bots/turn.ts";

/** One message of a web-chat conversation: what the buyer typed, or a message of the bot's. */
export type TranscriptMessage = { from: "me"; text: string } | { from: "bot"; reply: Reply };

export type TranscriptEntry = TranscriptMessage & { mid: string };

/**
 * The web chat's conversation per browser identity, kept on the server so a reload shows it again —
 * delivered codes included, to that browser only (its token is the only way to read it).
 */
export interface WebTranscript {
  /** Appends messages in order; their ids (`mid`), in the same order. */
  append(browserId: string, messages: TranscriptMessage[]): Promise<string[]>;
  /** Replaces one of this browser's bot messages (a reply that edits the message its button was on). */
  replace(browserId: string, mid: string, reply: Reply): Promise<boolean>;
  /** The newest `limit` messages, oldest first. */
  recent(browserId: string, limit: number): Promise<TranscriptEntry[]>;
}

/** Replies worth keeping: a toast is a passing notice, not a message. */
export const kept = (r: Reply) => r.kind !== "toast" && r.kind !== "answer_precheckout" && r.kind !== "invoice";

/** In process memory, for tests and tools (the app keeps the transcript in the database). */
export function createMemoryTranscript(): WebTranscript {
  const boxes = new Map<string, TranscriptEntry[]>();
  let seq = 0;
  return {
    async append(browserId, messages) {
      const box = boxes.get(browserId) ?? [];
      boxes.set(browserId, box);
      return messages.map((m) => {
        const mid = `m${++seq}`;
        box.push({ ...m, mid });
        return mid;
      });
    },
    async replace(browserId, mid, reply) {
      const box = boxes.get(browserId) ?? [];
      const i = box.findIndex((e) => e.mid === mid && e.from === "bot");
      if (i < 0) return false;
      box[i] = { from: "bot", reply, mid };
      return true;
    },
    async recent(browserId, limit) {
      return (boxes.get(browserId) ?? []).slice(-limit);
    },
  };
}
