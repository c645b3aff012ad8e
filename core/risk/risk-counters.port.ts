/**
 * The risk counters (docs/risk.md "Counters"): sliding-window logs of events per series (one series per
 * buyer, target, IP, device), exact under concurrency. `record` adds an event to every series it names
 * and answers each window's count, amount and distinct members INCLUDING that event, atomically — so of
 * 50 parallel orders against "max 5 per 10 min" exactly five see a count ≤ 5. An event that ends up not
 * counting (the decision refused it, or the order was never placed) is taken back with `forget`.
 * Adapters: `InMemoryRiskCounters` (the embedded default, one process) and `RedisRiskCounters`
 * (app/risk; one Lua script per call, TTL'd keys), one contract suite (test/contracts/risk-counters.contract.ts).
 */
export interface RiskCounters {
  record(input: CounterEvent): Promise<CounterReadings>;
  /** The same readings without adding anything (backtests, staff views). */
  peek(input: CounterEvent): Promise<CounterReadings>;
  /** Takes a recorded event back out of its series (idempotent). */
  forget(input: CounterEvent): Promise<void>;
  close?(): Promise<void>;
}

export interface CounterSeries {
  /** e.g. `order:buyer:<user id>`. */
  key: string;
  /** What the series counts distinct values of (the buyer for a target's series, the target for a buyer's). */
  member?: string;
  /** The windows to read, in milliseconds. */
  windowsMs: number[];
  /**
   * The windows of `windowsMs` whose count alone is read (no rule wants their amount or distinct members):
   * the adapter may count them without scanning the entries. Their readings carry `count` only.
   */
  countOnlyMs?: number[];
}

export interface CounterEvent {
  /** Unique per event (the order id): recording it twice counts it once. */
  eventId: string;
  atMs: number;
  /** Minor units. */
  amount: number;
  series: CounterSeries[];
  /** How long entries are kept (the longest window any rule reads). */
  retainMs: number;
}

export interface WindowReading {
  count: number;
  /** Absent for a count-only window. */
  amount?: number;
  /** Absent for a count-only window. */
  distinct?: number;
}

/** series key → window (ms) → reading. */
export type CounterReadings = Record<string, Record<number, WindowReading>>;

interface Entry {
  id: string;
  at: number;
  amount: number;
  member: string;
}

/** The embedded default: in this process's memory (lost on restart; one process only — docs/risk.md). */
export class InMemoryRiskCounters implements RiskCounters {
  private readonly series = new Map<string, Entry[]>();

  // Each method runs to completion without awaiting, so a record is atomic in this process.
  async record(input: CounterEvent): Promise<CounterReadings> {
    for (const s of input.series) {
      const log = this.trimmed(s.key, input.atMs, input.retainMs);
      if (!log.some((e) => e.id === input.eventId))
        log.push({ id: input.eventId, at: input.atMs, amount: input.amount, member: s.member ?? "" });
    }
    return this.read(input);
  }

  async peek(input: CounterEvent): Promise<CounterReadings> {
    return this.read(input);
  }

  async forget(input: CounterEvent): Promise<void> {
    for (const s of input.series) {
      const log = this.series.get(s.key);
      if (!log) continue;
      const i = log.findIndex((e) => e.id === input.eventId);
      if (i >= 0) log.splice(i, 1);
      if (log.length === 0) this.series.delete(s.key);
    }
  }

  private trimmed(key: string, now: number, retainMs: number): Entry[] {
    let log = this.series.get(key);
    if (!log) {
      log = [];
      this.series.set(key, log);
    }
    const from = now - retainMs;
    let drop = 0;
    while (drop < log.length && log[drop]!.at <= from) drop++;
    if (drop > 0) log.splice(0, drop);
    return log;
  }

  private read(input: CounterEvent): CounterReadings {
    const out: CounterReadings = {};
    for (const s of input.series) {
      const log = this.series.get(s.key) ?? [];
      const readings: Record<number, WindowReading> = {};
      for (const w of s.windowsMs) {
        const from = input.atMs - w;
        const countOnly = s.countOnlyMs?.includes(w) ?? false;
        let count = 0;
        let amount = 0;
        const members = new Set<string>();
        for (const e of log) {
          if (e.at <= from || e.at > input.atMs) continue;
          count++;
          if (countOnly) continue;
          amount += e.amount;
          if (e.member) members.add(e.member);
        }
        readings[w] = countOnly ? { count } : { count, amount, distinct: members.size };
      }
      out[s.key] = readings;
    }
    return out;
  }
}
