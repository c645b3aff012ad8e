import { toHtml, type TextPart } from "../../bots/turn.ts";

/** Telegram's limit on a message text, counted after entity parsing (visible UTF-16 code units). */
export const TELEGRAM_TEXT_LIMIT = 4096;

/** One line of styled text (no "\n" inside). */
export type Line = TextPart[];

/** Splits styled text into lines; a part spanning a newline is cut into one part per line. */
export function toLines(body: TextPart[]): Line[] {
  const lines: Line[] = [[]];
  for (const part of body) {
    const pieces = part.text.split("\n");
    pieces.forEach((text, i) => {
      if (i > 0) lines.push([]);
      if (text) lines[lines.length - 1]!.push(part.style ? { text, style: part.style } : { text });
    });
  }
  return lines;
}

/** Joins lines back into parts, merging neighbours of one style so a `pre` block stays one block. */
export function fromLines(lines: Line[]): TextPart[] {
  const out: TextPart[] = [];
  lines.forEach((line, i) => {
    const parts = i === 0 ? line : [{ text: "\n" }, ...line];
    for (const p of parts) {
      const last = out[out.length - 1];
      // A newline on its own joins whichever style precedes it (it renders the same inside pre/code).
      if (last && ((last.style ?? "plain") === (p.style ?? "plain") || (p.text === "\n" && last.style === "pre")))
        last.text += p.text;
      else out.push({ ...p });
    }
  });
  return out;
}

/** Telegram counts the limit after entity parsing, in UTF-16 code units: the text without tags. */
const visibleLength = (line: Line) => line.reduce((n, p) => n + p.text.length, 0);

/** Cuts a line longer than the limit at character boundaries (never inside a surrogate pair). */
function hardSplit(line: Line, limit: number): Line[] {
  const out: Line[] = [];
  let cur: Line = [];
  let len = 0;
  for (const part of line) {
    for (const ch of part.text) {
      if (len + ch.length > limit && cur.length) {
        out.push(cur);
        cur = [];
        len = 0;
      }
      const tail = cur[cur.length - 1];
      if (tail && tail.style === part.style) tail.text += ch;
      else cur.push(part.style ? { text: ch, style: part.style } : { text: ch });
      len += ch.length;
    }
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * Packs blocks (each a list of lines that must stay together, e.g. one code) into messages of at most
 * `limit` visible characters, breaking only between blocks, or between lines of a block that is too long
 * on its own, and cutting a single over-long line as a last resort.
 */
export function packBlocks(blocks: Line[][], limit = TELEGRAM_TEXT_LIMIT): string[] {
  const messages: string[] = [];
  let cur: Line[] = [];
  let len = 0;
  const flush = () => {
    if (cur.length) messages.push(toHtml(fromLines(trimBlankEdges(cur))));
    cur = [];
    len = 0;
  };
  const add = (lines: Line[]) => {
    // Visible size: the lines plus one newline between each (blank edge lines are trimmed, never added).
    const size = lines.reduce((n, l) => n + visibleLength(l) + 1, 0);
    if (len + size > limit + 1) flush();
    cur.push(...lines);
    len += size;
  };
  for (const block of blocks) {
    const size = block.reduce((n, l) => n + visibleLength(l) + 1, 0);
    if (size <= limit + 1) {
      add(block);
      continue;
    }
    for (const line of block) {
      if (visibleLength(line) <= limit) add([line]);
      else for (const piece of hardSplit(line, limit)) add([piece]);
    }
  }
  flush();
  return messages.filter((m) => m.trim().length > 0);
}

function trimBlankEdges(lines: Line[]): Line[] {
  let a = 0;
  let b = lines.length;
  const blank = (l: Line) => l.every((p) => p.text.trim() === "");
  while (a < b && blank(lines[a]!)) a++;
  while (b > a && blank(lines[b - 1]!)) b--;
  return lines.slice(a, b);
}

/** Styled text → HTML messages under the limit, split on line boundaries. */
export function splitHtml(body: TextPart[], limit = TELEGRAM_TEXT_LIMIT): string[] {
  return packBlocks(
    toLines(body).map((l) => [l]),
    limit,
  );
}
