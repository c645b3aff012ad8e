import { describe, expect, it } from "vitest";
import { addTotals, cpuPerOrder, noTotals, rateRatio, roundOrder, sliceSchedule } from "../../bench/risk-slices.ts";

/** bench/risk-slices.ts: the order of the risk bench's slices and the ratio it reports. */
describe("the risk bench's on/off slices", () => {
  it("alternates which side starts a round (off first, then on first)", () => {
    expect(roundOrder(1)).toEqual([false]);
    expect(roundOrder(4)).toEqual([false, true, false, true]);
    expect(roundOrder(0)).toEqual([false]);
  });

  it("cuts each side's seconds into an even number of slices no longer than asked, in ABBA order", () => {
    const s = sliceSchedule(15, 1.5);
    expect(s.map((x) => (x.on ? "B" : "A")).join("")).toBe("ABBAABBAABBAABBAABBA");
    expect(s.every((x) => x.seconds === 1.5)).toBe(true);
    const longer = sliceSchedule(15, 2);
    expect(longer).toHaveLength(16);
    expect(longer[0]!.seconds).toBeCloseTo(1.875);
    expect(sliceSchedule(1, 5).map((x) => x.on)).toEqual([false, true, true, false]);
    expect(
      sliceSchedule(3, 1.5, true)
        .map((x) => (x.on ? "B" : "A"))
        .join(""),
    ).toBe("BAAB");
  });

  it("gives both sides the same time, and the same mean position in the round", () => {
    for (const [perSide, max, onFirst] of [
      [15, 1.5, false],
      [10, 2, true],
      [7, 1, false],
    ] as const) {
      const s = sliceSchedule(perSide, max, onFirst);
      const side = (on: boolean) => s.map((x, i) => ({ ...x, i })).filter((x) => x.on === on);
      for (const on of [true, false]) {
        expect(side(on).reduce((a, x) => a + x.seconds, 0)).toBeCloseTo(perSide);
        expect(Math.max(...side(on).map((x) => x.seconds))).toBeLessThanOrEqual(max);
      }
      const meanAt = (on: boolean) => side(on).reduce((a, x) => a + x.i, 0) / side(on).length;
      expect(meanAt(true)).toBeCloseTo(meanAt(false));
    }
    expect(() => sliceSchedule(0, 1.5)).toThrow();
    expect(() => sliceSchedule(15, 0)).toThrow();
  });

  it("reports the ratio of the summed rates, not of one slice", () => {
    const off = addTotals({ delivered: 300, seconds: 1, cpuMs: 1200 }, { delivered: 100, seconds: 1, cpuMs: 400 });
    const on = addTotals(noTotals(), { delivered: 360, seconds: 2, cpuMs: 1500 });
    expect(off).toEqual({ delivered: 400, seconds: 2, cpuMs: 1600 });
    expect(rateRatio({ on, off })).toBeCloseTo(0.9);
    expect(cpuPerOrder(off)).toBeCloseTo(4);
    expect(cpuPerOrder(noTotals())).toBe(0);
    expect(() => rateRatio({ on, off: noTotals() })).toThrow();
  });
});
