import { markTurnsProcessed, unmarkTurnProcessed } from "../../bots/dedupe.ts";
import type { SqlExecutor } from "../../core/shared/sql.ts";

/**
 * Durable at-least-once dedupe on `update_id` (`processed_updates`, source `telegram:<botId>`), with the
 * marks of updates arriving together written in ONE statement:
 * `INSERT … SELECT unnest($ids) ON CONFLICT DO NOTHING RETURNING update_id`. A lone update is flushed on
 * the next turn of the event loop (no added wait); under webhook concurrency, tens of updates share one
 * round trip and one commit. Same semantics as bots/dedupe.ts `markTurnProcessed`: true only for the
 * first delivery, across processes and restarts.
 */
export class UpdateDedupe {
  private pending = new Map<string, ((first: boolean) => void)[]>();
  private rejecters = new Map<string, ((err: unknown) => void)[]>();
  private scheduled = false;

  constructor(
    private readonly db: SqlExecutor,
    readonly source: string,
    private readonly maxBatch = 500,
  ) {}

  /** Records the update; resolves true for its first delivery, false for a duplicate. */
  mark(updateId: string): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      const waiters = this.pending.get(updateId);
      if (waiters) {
        // The same update twice in one batch: only the first waiter may act.
        waiters.push(() => resolve(false));
        this.rejecters.get(updateId)!.push(reject);
      } else {
        this.pending.set(updateId, [resolve]);
        this.rejecters.set(updateId, [reject]);
      }
      if (this.pending.size >= this.maxBatch) void this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Forgets an update so that its redelivery is handled (when handling failed). */
  unmark(updateId: string): Promise<void> {
    return unmarkTurnProcessed(this.db, this.source, updateId);
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    const rejecters = this.rejecters;
    this.pending = new Map();
    this.rejecters = new Map();
    const ids = [...batch.keys()];
    try {
      const inserted = await markTurnsProcessed(this.db, this.source, ids);
      for (const [id, waiters] of batch) waiters.forEach((w, i) => w(i === 0 && inserted.has(id)));
    } catch (err) {
      for (const list of rejecters.values()) for (const r of list) r(err);
    }
  }
}
