/**
 * A value read from storage and kept at most `maxAgeMs` (its age counts from when its load started, so an
 * edit committed before that is in it). Past half that age a read starts the next load and still answers
 * the value it holds: while reads keep coming, none of them waits on a reload. A value older than
 * `maxAgeMs` is never answered; the reads that find it so share one load. A failed load is not kept.
 */
export interface RefreshingValue<T> {
  get(nowMs: number): Promise<T>;
  /** Forgets what is held: the next read loads (after an edit by this process). */
  clear(): void;
}

export function refreshingValue<T>(maxAgeMs: number, load: (nowMs: number) => Promise<T>): RefreshingValue<T> {
  type Entry = { at: number; value: Promise<T> };
  let held: Entry | null = null;
  let next: Entry | null = null;
  // Bumped by `clear`: a load that started before it is not kept when it lands.
  let generation = 0;

  const start = (at: number): Entry => {
    const entry: Entry = { at, value: load(at) };
    const startedIn = generation;
    entry.value.then(
      () => {
        if (next === entry) next = null;
        if (startedIn === generation && (!held || held.at < entry.at)) held = entry;
      },
      () => {
        if (next === entry) next = null;
        if (held === entry) held = null;
      },
    );
    return entry;
  };

  return {
    get(nowMs) {
      if (held && nowMs - held.at < maxAgeMs) {
        if (!next && nowMs - held.at >= maxAgeMs / 2) next = start(nowMs);
        return held.value;
      }
      if (next && nowMs - next.at < maxAgeMs) return next.value;
      held = start(nowMs);
      next = null;
      return held.value;
    },
    clear() {
      generation++;
      held = null;
      next = null;
    },
  };
}
