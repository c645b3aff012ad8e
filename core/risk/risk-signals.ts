import type { Aggregation, Dimension, SignalName, SignalValue } from "./risk-conditions.ts";
import type { CounterReadings, CounterSeries } from "./risk-counters.port.ts";
import type { BuyerProfile, RiskSubject } from "./risk.types.ts";

const DAY_MS = 86_400_000;

/** The counter series of an event: one per dimension it has a value for, each with the windows rules read. */
export function seriesFor(subject: RiskSubject, aggs: readonly Aggregation[]): CounterSeries[] {
  const windows = new Map<Dimension, Set<number>>();
  for (const a of aggs) {
    const set = windows.get(a.per) ?? new Set<number>();
    set.add(a.windowMinutes * 60_000);
    windows.set(a.per, set);
  }
  const out: CounterSeries[] = [];
  for (const [dim, ws] of windows) {
    const value = dimensionValue(subject, dim);
    if (!value) continue;
    // A buyer's series counts distinct targets; every other series counts distinct buyers.
    const member = dim === "buyer" ? (subject.target ?? undefined) : subject.userId;
    out.push({ key: seriesKey(subject.subject, dim, value), windowsMs: [...ws], ...(member ? { member } : {}) });
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
      return r.amount;
    case "distinct_buyers":
    case "distinct_targets":
      return r.distinct;
  }
}

/** A plain signal of the subject, or of its buyer (read through the ports once, when first asked). */
export async function signalValue(
  name: SignalName,
  subject: RiskSubject,
  now: Date,
  buyer: () => Promise<BuyerProfile | null>,
  kyc: () => Promise<string>,
): Promise<SignalValue> {
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
    case "buyer.age_days": {
      const p = await buyer();
      return p ? Math.floor(((now.getTime() - p.createdAt.getTime()) / DAY_MS) * 100) / 100 : null;
    }
    case "buyer.order_count":
      return (await buyer())?.orderCount ?? 0;
    case "buyer.lifetime_spend":
      return Number((await buyer())?.lifetimeSpend ?? 0n);
    case "buyer.kyc":
      return kyc();
  }
}
