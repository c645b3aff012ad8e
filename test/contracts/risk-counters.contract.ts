import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { CounterEvent, RiskCounters } from "../../core/risk/index.ts";

/**
 * One suite for every RiskCounters adapter (in process, Redis): sliding windows, amounts, distinct
 * members, idempotent events, forget, and exactness under real concurrency.
 */
export function riskCountersContract(
  name: string,
  make: () => Promise<{ counters: RiskCounters; dispose(): Promise<void> }>,
) {
  describe(`RiskCounters contract: ${name}`, () => {
    const MIN = 60_000;
    const ev = (over: Partial<CounterEvent> & { key: string; member?: string }): CounterEvent => ({
      eventId: over.eventId ?? randomUUID(),
      atMs: over.atMs ?? 1_000_000_000,
      amount: over.amount ?? 100,
      retainMs: over.retainMs ?? 60 * MIN,
      series: [{ key: over.key, windowsMs: [10 * MIN, 60 * MIN], ...(over.member ? { member: over.member } : {}) }],
    });

    it("counts events in each window, with their amount and distinct members, this event included", async () => {
      const { counters, dispose } = await make();
      try {
        const key = `buyer:${randomUUID()}`;
        const t0 = 1_000_000_000;
        await counters.record(ev({ key, atMs: t0, amount: 100, member: "a" }));
        await counters.record(ev({ key, atMs: t0 + 30 * MIN, amount: 250, member: "b" }));
        const r = await counters.record(ev({ key, atMs: t0 + 35 * MIN, amount: 50, member: "a" }));
        expect(r[key]![10 * MIN]).toEqual({ count: 2, amount: 300, distinct: 2 });
        expect(r[key]![60 * MIN]).toEqual({ count: 3, amount: 400, distinct: 2 });
        // At the window's edge: an event exactly 10 minutes old is out.
        const edge = await counters.peek(ev({ key, atMs: t0 + 40 * MIN }));
        expect(edge[key]![10 * MIN]!.count).toBe(1);
        // Past the retention, everything is gone.
        const later = await counters.record(ev({ key, atMs: t0 + 200 * MIN, amount: 1 }));
        expect(later[key]![60 * MIN]).toEqual({ count: 1, amount: 1, distinct: 0 });
      } finally {
        await dispose();
      }
    });

    it("counts an event once however often it is recorded, and forget takes it back", async () => {
      const { counters, dispose } = await make();
      try {
        const key = `target:${randomUUID()}`;
        const e = ev({ key, member: "u1" });
        await counters.record(e);
        const again = await counters.record(e);
        expect(again[key]![10 * MIN]!.count).toBe(1);
        await counters.forget(e);
        await counters.forget(e);
        const after = await counters.peek(ev({ key }));
        expect(after[key]![10 * MIN]).toEqual({ count: 0, amount: 0, distinct: 0 });
      } finally {
        await dispose();
      }
    });

    it("a count-only window answers its count alone, equal to a full read of the same window", async () => {
      const { counters, dispose } = await make();
      try {
        const key = `buyer:${randomUUID()}`;
        const t0 = 1_500_000_000;
        const at = (atMs: number, member: string, countOnlyMs?: number[]): CounterEvent => ({
          ...ev({ key, atMs, member }),
          series: [{ key, member, windowsMs: [10 * MIN, 60 * MIN], ...(countOnlyMs ? { countOnlyMs } : {}) }],
        });
        await counters.record(at(t0, "a"));
        await counters.record(at(t0 + 55 * MIN, "b"));
        const r = await counters.record(at(t0 + 58 * MIN, "c", [10 * MIN]));
        expect(r[key]![10 * MIN]).toEqual({ count: 2 });
        expect(r[key]![60 * MIN]).toEqual({ count: 3, amount: 300, distinct: 3 });
        const edge = await counters.peek(at(t0 + 65 * MIN, "d", [10 * MIN]));
        expect(edge[key]![10 * MIN]).toEqual({ count: 1 });
      } finally {
        await dispose();
      }
    });

    it("50 events at once each see a different count: exactly 5 see 5 or less", async () => {
      const { counters, dispose } = await make();
      try {
        const key = `buyer:${randomUUID()}`;
        const readings = await Promise.all(
          Array.from({ length: 50 }, () => counters.record(ev({ key, atMs: 2_000_000_000 }))),
        );
        const counts = readings.map((r) => r[key]![10 * MIN]!.count).sort((a, b) => a - b);
        expect(counts).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
        expect(counts.filter((c) => c <= 5)).toHaveLength(5);
      } finally {
        await dispose();
      }
    });
  });
}
