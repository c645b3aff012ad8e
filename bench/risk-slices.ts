/**
 * The arithmetic of bench/risk.ts's on/off comparison: which server the load goes to in each short slice
 * of a round, and the ratio of the two servers' rates from their summed slices.
 */

export interface Slice {
  /** Risk on (else off). */
  on: boolean;
  seconds: number;
}

/**
 * Which side starts each round: off, then on, alternating — so over the rounds neither side always
 * has the first slice. `true` = risk on first.
 */
export function roundOrder(rounds: number): boolean[] {
  const n = Math.max(1, Math.floor(rounds));
  return Array.from({ length: n }, (_, i) => i % 2 === 1);
}

/**
 * One round's slices: `perSide` seconds for each side, cut into an even number of equal slices of at most
 * `maxSlice` seconds, in ABBA order (off, on, on, off, off, on, …; inverted when `onFirst`). Each side's
 * slices then sit, on average, at the same point of the round, so a drift in the machine's speed (another
 * job starting, steal time) weighs on both alike.
 */
export function sliceSchedule(perSide: number, maxSlice: number, onFirst = false): Slice[] {
  if (!(perSide > 0) || !(maxSlice > 0)) throw new Error("a round needs seconds per side and a slice length");
  const perSideSlices = 2 * Math.ceil(perSide / (2 * maxSlice));
  const seconds = perSide / perSideSlices;
  return Array.from({ length: 2 * perSideSlices }, (_, i) => ({
    on: (i % 4 === 1 || i % 4 === 2) !== onFirst,
    seconds,
  }));
}

/** What one side's slices add up to. */
export interface SideTotals {
  delivered: number;
  /** Seconds the buyers were busy (first order to last answer), summed over the slices. */
  seconds: number;
  /** CPU of the servers, PostgreSQL and Redis over the slices, ms. */
  cpuMs: number;
}

export const noTotals = (): SideTotals => ({ delivered: 0, seconds: 0, cpuMs: 0 });

export function addTotals(a: SideTotals, b: SideTotals): SideTotals {
  return { delivered: a.delivered + b.delivered, seconds: a.seconds + b.seconds, cpuMs: a.cpuMs + b.cpuMs };
}

/** Orders/s with risk on ÷ off, each side's rate being its delivered orders ÷ its busy seconds. */
export function rateRatio(sides: { on: SideTotals; off: SideTotals }): number {
  const rate = (s: SideTotals) => (s.seconds > 0 ? s.delivered / s.seconds : 0);
  if (rate(sides.off) === 0) throw new Error("no orders delivered with risk off to compare with");
  return rate(sides.on) / rate(sides.off);
}

/** CPU ms per delivered order of one side. */
export const cpuPerOrder = (s: SideTotals) => s.cpuMs / Math.max(1, s.delivered);
