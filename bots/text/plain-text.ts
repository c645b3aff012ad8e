import type { CodesReply, Reply, TextPart } from "../turn.ts";
import { toPlain } from "../turn.ts";

/**
 * Replies → plain-text messages for channels without formatting (WeChat). Styles are dropped; each code
 * (and its password) stands alone on its own line, so it can be selected and copied by itself; a code
 * delivery gets messages of its own; everything else of one turn is packed into as few messages as fit
 * under `limit` characters (outbound budgets count messages), broken between blocks and lines, and a
 * line longer than the limit cut as a last resort. Buttons must have been turned into text already
 * (bots/text/numbered-menu.ts); invoices and pre-checkout answers have no text form and are skipped.
 */
export interface PlainMessages {
  messages: string[];
  /** Reply kinds that have no plain-text form (skipped). */
  skipped: Reply["kind"][];
}

/** Lines that must stay in one message when they fit (one code and its password). */
type Block = string[];

export function plainMessages(replies: Reply[], limit: number): PlainMessages {
  const messages: string[] = [];
  const skipped: Reply["kind"][] = [];
  let blocks: Block[] = [];
  const flush = () => {
    messages.push(...pack(blocks, limit));
    blocks = [];
  };
  for (const r of replies) {
    switch (r.kind) {
      case "text":
      case "prompt":
        if (blocks.length) blocks.push([""]);
        blocks.push(...linesOf(r.body).map((l) => [l]));
        break;
      case "deep_link":
        if (blocks.length) blocks.push([""]);
        blocks.push(...linesOf(r.body).map((l) => [l]), [`${r.label}: ${r.url}`]);
        break;
      case "toast":
        if (r.alert) blocks.push(...linesOf([{ text: r.text }]).map((l) => [l]));
        break;
      case "codes":
        flush();
        messages.push(...pack(codeBlocks(r), limit));
        break;
      case "invoice":
      case "answer_precheckout":
        skipped.push(r.kind);
        break;
      default: {
        const unknown: never = r;
        skipped.push((unknown as { kind: Reply["kind"] }).kind);
      }
    }
  }
  flush();
  return { messages, skipped };
}

function linesOf(body: TextPart[]): string[] {
  return toPlain(body).replace(/\r\n?/g, "\n").split("\n");
}

/** Title, each code on a line of its own (its password on the next, after its label), then the footer. */
export function codeBlocks(r: CodesReply): Block[] {
  const blocks: Block[] = linesOf(r.title).map((l) => [l]);
  const numbered = r.items.length > 1;
  r.items.forEach((item, i) => {
    const block: Block = [""];
    if (numbered) block.push(`${i + 1}.`);
    block.push(item.code);
    if (item.password) block.push(`${r.labels.password}:`, item.password);
    blocks.push(block);
  });
  if (r.footer?.length) blocks.push([""], ...linesOf(r.footer).map((l) => [l]));
  return blocks;
}

/** Packs blocks into messages of at most `limit` characters (counted in code points). */
export function pack(blocks: Block[], limit: number): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  let size = 0;
  const len = (s: string) => [...s].length;
  const flush = () => {
    const text = trimBlank(cur).join("\n");
    if (text.trim()) out.push(text);
    cur = [];
    size = 0;
  };
  const add = (line: string) => {
    const n = len(line) + (cur.length ? 1 : 0);
    if (size + n > limit && cur.length) flush();
    cur.push(line);
    size += len(line) + (cur.length > 1 ? 1 : 0);
  };
  for (const block of blocks) {
    const blockSize = block.reduce((n, l) => n + len(l) + 1, 0);
    if (cur.length && size + blockSize > limit && blockSize <= limit) flush();
    for (const line of block) {
      if (len(line) <= limit) add(line);
      else for (const piece of cut(line, limit)) add(piece);
    }
  }
  flush();
  return out;
}

function cut(line: string, limit: number): string[] {
  const chars = [...line];
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += limit) out.push(chars.slice(i, i + limit).join(""));
  return out;
}

function trimBlank(lines: string[]): string[] {
  let a = 0;
  let b = lines.length;
  while (a < b && !lines[a]!.trim()) a++;
  while (b > a && !lines[b - 1]!.trim()) b--;
  return lines.slice(a, b);
}
