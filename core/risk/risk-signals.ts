import {
  countedByCounters,
  type Aggregation,
  type Dimension,
  type SignalName,
  type SignalValue,
} from "./risk-conditions.ts";
import type { CounterReadings, CounterSeries } from "./risk-counters.port.ts";
import type { BuyerProfile, RiskSubject } from "./risk.types.ts";

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** The counter series of an event: one per dimension it has a value for, each with the windows rules read. */
export function seriesFor(subject: RiskSubject, aggs: readonly Aggregation[]): CounterSeries[] {
  return seriesFromPlan(subject, seriesPlan(aggs));
}

/** Per dimension the rules read: its windows, and those whose count alone is wanted. */
export type SeriesPlan = ReadonlyArray<{ dim: Dimension; windowsMs: number[]; countOnlyMs: number[] }>;

/** The part of `seriesFor` that depends on the rules only (worked out once per load of the rules). */
export function seriesPlan(aggs: readonly Aggregation[]): SeriesPlan {
  // Per dimension: each window, and whether any rule wants more of it than its count.
  const windows = new Map<Dimension, Map<number, boolean>>();
  for (const a of aggs) {
    if (!countedByCounters(a)) continue;
    const ws = windows.get(a.per) ?? new Map<number, boolean>();
    const ms = a.windowMinutes * 60_000;
    ws.set(ms, (ws.get(ms) ?? false) || a.measure !== "count");
    windows.set(a.per, ws);
  }
  return [...windows].map(([dim, ws]) => ({
    dim,
    windowsMs: [...ws.keys()],
    countOnlyMs: [...ws].filter(([, more]) => !more).map(([ms]) => ms),
  }));
}

/** The series of one event under a plan. */
export function seriesFromPlan(subject: RiskSubject, plan: SeriesPlan): CounterSeries[] {
  const out: CounterSeries[] = [];
  for (const { dim, windowsMs, countOnlyMs } of plan) {
    const value = dimensionValue(subject, dim);
    if (!value) continue;
    // A buyer's series counts distinct targets; every other series counts distinct buyers.
    const member = dim === "buyer" ? (subject.target ?? undefined) : subject.userId;
    out.push({
      key: seriesKey(subject.subject, dim, value),
      windowsMs,
      ...(countOnlyMs.length > 0 ? { countOnlyMs } : {}),
      ...(member ? { member } : {}),
    });
  }
  return out;
}

export const seriesKey = (subject: string, dim: Dimension, value: string) => `${subject}:${dim}:${value}`;

export function dimensionValue(subject: RiskSubject, dim: Dimension): string | undefined {
  switch (dim) {
    case "buyer":
      return subject.userId;
    case "target":
      return subject.target ?? undefined;
    case "ip":
      return subject.ip;
    case "device":
      return subject.device;
  }
}

/** An aggregation's value from the readings (0 when the event has no value for its dimension). */
export function aggregationValue(subject: RiskSubject, a: Aggregation, readings: CounterReadings): number {
  const value = dimensionValue(subject, a.per);
  if (!value) return 0;
  const r = readings[seriesKey(subject.subject, a.per, value)]?.[a.windowMinutes * 60_000];
  if (!r) return 0;
  switch (a.measure) {
    case "count":
      return r.count;
    case "amount":
      return r.amount ?? 0;
    case "distinct_buyers":
    case "distinct_targets":
      return r.distinct ?? 0;
    case "failed_payments":
      return 0; // not a counter: the decision reads it from the payments (risk.service.ts)
  }
}

/**
 * A plain signal of the subject (at once), or of its buyer (read through the ports once, when first asked:
 * a promise).
 */
export function signalValue(
  name: SignalName,
  subject: RiskSubject,
  now: Date,
  buyer: () => Promise<BuyerProfile | null>,
  kyc: () => Promise<string>,
): SignalValue | Promise<SignalValue> {
  switch (name) {
    case "subject":
      return subject.subject;
    case "channel":
      return subject.channel;
    case "amount":
      return Number(subject.amount);
    case "currency":
      return subject.currency;
    case "quantity":
      return subject.quantity ?? null;
    case "product.id":
      return subject.productId ?? null;
    case "category.id":
      return subject.categoryId ?? null;
    case "target":
      return subject.target ?? null;
    case "ip":
      return subject.ip ?? null;
    case "device":
      return subject.device ?? null;
    case "buyer.age_days":
      return buyer().then((p) =>
        p ? Math.floor(((now.getTime() - p.createdAt.getTime()) / DAY_MS) * 100) / 100 : null,
      );
    case "buyer.age_minutes":
      return buyer().then((p) => (p ? Math.floor((now.getTime() - p.createdAt.getTime()) / MINUTE_MS) : null));
    case "buyer.order_count":
      return buyer().then((p) => p?.orderCount ?? 0);
    case "buyer.first_order":
      return buyer().then((p) => p?.firstOrder ?? true);
    case "buyer.lifetime_spend":
      return buyer().then((p) => Number(p?.lifetimeSpend ?? 0n));
    case "buyer.kyc":
      return kyc();
    case "buyer.tier":
      return buyer().then((p) => p?.tier ?? "none");
    case "buyer.tier_rank":
      return buyer().then((p) => p?.tierRank ?? 0);
  }
}
