interface Waiting<K, V> {
  key: K;
  promise: Promise<V | null>;
  resolve(value: V | null): void;
  reject(e: unknown): void;
}

/**
 * Look-ups by key, answered in batches: the keys asked while one batch runs are answered together by the
 * next, one batch at a time, so a burst of callers (1,000 new API keys, 950 refused buyers' idempotency
 * keys) costs a few statements instead of one round trip each. Callers asking for a key already waiting or
 * being looked up share its answer. A lone call starts at once (after the calls made in the same turn,
 * which join it). A failed batch fails each of its callers with its error.
 *
 * `load` gets the batch's keys and answers, by `id(key)`, the values it found; a key it leaves out is null.
 */
export function batchedLookup<K, V>(opts: {
  id(key: K): string;
  load(keys: K[]): Promise<Map<string, V>>;
  /** Keys in one batch at most (a larger burst takes several). Default 500. */
  maxBatch?: number;
}): (key: K) => Promise<V | null> {
  const maxBatch = opts.maxBatch ?? 500;
  const waiting = new Map<string, Waiting<K, V>>();
  let current = new Map<string, Waiting<K, V>>();
  let running = false;

  async function drain(): Promise<void> {
    try {
      while (waiting.size > 0) {
        const ids = [...waiting.keys()].slice(0, maxBatch);
        current = new Map(ids.map((id) => [id, waiting.get(id)!]));
        for (const id of ids) waiting.delete(id);
        try {
          const found = await opts.load([...current.values()].map((w) => w.key));
          for (const [id, w] of current) w.resolve(found.get(id) ?? null);
        } catch (e) {
          for (const w of current.values()) w.reject(e);
        }
      }
    } finally {
      current = new Map();
      running = false;
    }
  }

  return (key) => {
    const id = opts.id(key);
    const queued = current.get(id) ?? waiting.get(id);
    if (queued) return queued.promise;
    let resolve!: Waiting<K, V>["resolve"];
    let reject!: Waiting<K, V>["reject"];
    const promise = new Promise<V | null>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    waiting.set(id, { key, promise, resolve, reject });
    if (!running) {
      running = true;
      queueMicrotask(() => void drain());
    }
    return promise;
  };
}
