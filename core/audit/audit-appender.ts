import type { SqlExecutor, SqlRunner } from "../shared/index.ts";
import { appendEntriesSql, type PendingEntry } from "./audit.sql.ts";

export interface Appended {
  seq: bigint;
  prevHash: string;
  hash: string;
}

/** Appends entries in the caller's transaction (or on its own): one statement, the rows in the given order. */
export async function appendEntries(db: SqlExecutor, rows: PendingEntry[]): Promise<Appended[]> {
  const out = await db.query<Appended>(appendEntriesSql(rows));
  if (out.length !== rows.length) throw new Error(`audit: appended ${out.length} of ${rows.length} entries`);
  return out;
}

interface Waiter {
  row: PendingEntry;
  resolve(a: Appended): void;
  reject(e: unknown): void;
}

/**
 * Appends made outside any transaction, grouped: while one append statement runs (holding the chain's head
 * and waiting for its commit), the entries recorded meanwhile queue, and leave together in the next
 * statement — one head lock and one commit for all of them, instead of each waiting its turn. Nothing
 * waits to fill a group: an append with none in flight leaves at once. Each caller resolves only once its
 * row is committed. If a group fails, its entries are retried one by one, so one bad entry fails only its
 * own caller.
 */
export function createGroupAppender(sql: SqlRunner, maxGroup = 200): (row: PendingEntry) => Promise<Appended> {
  let queue: Waiter[] = [];
  let running = false;

  async function drain(): Promise<void> {
    running = true;
    try {
      while (queue.length > 0) {
        const group = queue.slice(0, maxGroup);
        queue = queue.slice(group.length);
        try {
          const out = await appendEntries(
            sql,
            group.map((w) => w.row),
          );
          group.forEach((w, i) => w.resolve(out[i]!));
        } catch (groupError) {
          if (group.length === 1) {
            group[0]!.reject(groupError);
            continue;
          }
          for (const w of group) {
            try {
              w.resolve((await appendEntries(sql, [w.row]))[0]!);
            } catch (e) {
              w.reject(e);
            }
          }
        }
      }
    } finally {
      running = false;
    }
  }

  return (row) =>
    new Promise<Appended>((resolve, reject) => {
      queue.push({ row, resolve, reject });
      if (!running) void drain();
    });
}
