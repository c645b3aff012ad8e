import { describe, expect, it } from "vitest";
import { medianRatio, roundOrder } from "../../bench/risk.ts";

/** bench/risk.ts's own arithmetic: which run goes first in each pair, and the ratio it reports. */
describe("the risk bench's on ÷ off ratio", () => {
  it("alternates which run goes first (off first, then on first: ABBA)", () => {
    expect(roundOrder(1)).toEqual([false]);
    expect(roundOrder(4)).toEqual([false, true, false, true]);
    expect(roundOrder(0)).toEqual([false]);
  });

  it("is the median of the pairs' ratios, so one disturbed pair moves it little", () => {
    expect(medianRatio([{ on: 90, off: 100 }])).toBeCloseTo(0.9);
    expect(
      medianRatio([
        { on: 95, off: 100 },
        { on: 20, off: 100 },
        { on: 100, off: 100 },
      ]),
    ).toBeCloseTo(0.95);
    expect(
      medianRatio([
        { on: 80, off: 100 },
        { on: 100, off: 100 },
      ]),
    ).toBeCloseTo(0.9);
    expect(() => medianRatio([])).toThrow();
  });
});
