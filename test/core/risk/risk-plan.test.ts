import { describe, expect, it } from "vitest";
import type { Aggregation, RiskListEntry, RiskSubject } from "../../../core/risk/index.ts";
import { indexLists } from "../../../core/risk/risk-lists.ts";
import { seriesFromPlan, seriesPlan } from "../../../core/risk/risk-signals.ts";

/*
 * The parts of a decision worked out once per load of the rules or lists (core/risk): the counter series
 * an event writes, from a plan of the rules' windows, and the list index's look-ups, empty lists included.
 */
const subject = (over: Partial<RiskSubject> = {}): RiskSubject => ({
  subject: "order",
  eventId: "e1",
  userId: "u1",
  channel: "http",
  amount: 1_000n,
  currency: "CNY",
  ...over,
});

describe("the counter series of an event, from the rules' plan", () => {
  const aggs: Aggregation[] = [
    { measure: "count", per: "buyer", windowMinutes: 10 },
    { measure: "count", per: "target", windowMinutes: 10 },
    { measure: "distinct_buyers", per: "target", windowMinutes: 60 },
    { measure: "failed_payments", per: "buyer", windowMinutes: 60 },
    { measure: "amount", per: "ip", windowMinutes: 5 },
  ];
  const plan = seriesPlan(aggs);

  it("names each dimension the event has, its windows, and those read for their count alone", () => {
    expect(seriesFromPlan(subject({ target: "13900000000", ip: "10.0.0.1" }), plan)).toEqual([
      { key: "order:buyer:u1", windowsMs: [600_000], countOnlyMs: [600_000], member: "13900000000" },
      { key: "order:target:13900000000", windowsMs: [600_000, 3_600_000], countOnlyMs: [600_000], member: "u1" },
      { key: "order:ip:10.0.0.1", windowsMs: [300_000], member: "u1" },
    ]);
  });

  it("leaves out the dimensions an event has no value for, and serves every event from one plan", () => {
    expect(seriesFromPlan(subject(), plan)).toEqual([
      { key: "order:buyer:u1", windowsMs: [600_000], countOnlyMs: [600_000] },
    ]);
    expect(seriesFromPlan(subject({ userId: "u2" }), plan)[0]!.key).toBe("order:buyer:u2");
  });
});

describe("the list index", () => {
  const entry = (list: "block" | "allow", kind: RiskListEntry["kind"], value: string): RiskListEntry => ({
    id: `${list}-${kind}-${value}`,
    list,
    kind,
    value,
    reason: "test",
    author: "test",
    expiresAt: null,
    createdAt: new Date(0),
  });

  it("finds nothing in empty lists", () => {
    const lists = indexLists([]);
    for (const kind of ["user", "target", "ip", "device"] as const)
      expect(lists.has("block", kind, kind === "ip" ? "10.0.0.1" : "x")).toBe(false);
  });

  it("matches networks and normalised targets on their own list only", () => {
    const lists = indexLists([
      entry("block", "ip", "10.0.0.0/8"),
      entry("block", "target", "139-0000 0000"),
      entry("allow", "user", "u1"),
      entry("allow", "ip", "not an address"),
    ]);
    expect(lists.has("block", "ip", "10.2.3.4")).toBe(true);
    expect(lists.has("block", "ip", "11.0.0.1")).toBe(false);
    expect(lists.has("allow", "ip", "10.2.3.4")).toBe(false);
    expect(lists.has("block", "target", "13900000000")).toBe(true);
    expect(lists.has("allow", "user", "u1")).toBe(true);
    expect(lists.has("block", "user", "u1")).toBe(false);
    expect(lists.has("block", "ip", null)).toBe(false);
  });
});
