import type { CustodyMovement } from "./custody.types.ts";

interface Line {
  id: string;
  amount: bigint;
  bookedAt: Date;
  reference: string;
  serial: string | null;
}

/** Shortest id the matcher looks for in a reference: shorter ones would match by chance. */
const MIN_REFERENCE = 6;

const mentions = (line: Line, ref: string) => {
  const r = ref.trim().toLowerCase();
  if (r.length < MIN_REFERENCE) return false;
  return line.reference.toLowerCase().includes(r) || line.serial?.toLowerCase() === r;
};

/**
 * Pairs bank lines with movements: a line matches a movement of exactly its signed amount whose id (or
 * provider/bank reference) the line's reference contains, or which is the line's serial. Each movement
 * and each line is used at most once; among several candidates the one closest in time wins.
 */
export function matchLines(lines: readonly Line[], movements: readonly CustodyMovement[]) {
  const free = new Set(movements);
  const pairs: Array<{ lineId: string; movement: CustodyMovement }> = [];
  for (const line of lines) {
    let best: CustodyMovement | undefined;
    for (const m of free) {
      if (m.amount !== line.amount || !m.references.some((r) => mentions(line, r))) continue;
      const d = Math.abs(m.at.getTime() - line.bookedAt.getTime());
      if (!best || d < Math.abs(best.at.getTime() - line.bookedAt.getTime())) best = m;
    }
    if (best) {
      free.delete(best);
      pairs.push({ lineId: line.id, movement: best });
    }
  }
  return pairs;
}
