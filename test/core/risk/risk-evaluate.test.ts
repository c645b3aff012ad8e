import { describe, expect, it } from "vitest";
import { evaluate, type Condition, type ConditionInputs } from "../../../core/risk/index.ts";

/*
 * The condition evaluator answers at once while the leaves it reaches do (the event's own signals,
 * counters, lists), and through a promise once a leaf reads (the buyer's profile) — with the same
 * short-circuiting and the same values seen either way.
 */
describe("evaluate", () => {
  const reads: string[] = [];
  const inputs: ConditionInputs = {
    signal: (name) => {
      reads.push(name);
      if (name === "amount") return 60_000;
      if (name === "buyer.order_count") return Promise.resolve(0);
      if (name === "buyer.age_days") return Promise.resolve(0.5);
      return null;
    },
    aggregation: (a) => (a.per === "buyer" ? 3 : Promise.resolve(7)),
    listed: (list, kind) => list === "block" && kind === "ip",
  };
  const newAccountLargeFirstOrder: Condition = {
    all: [
      { signal: "amount", op: "gte", value: 50_000 },
      { signal: "buyer.order_count", op: "eq", value: 0 },
      { signal: "buyer.age_days", op: "lt", value: 1 },
    ],
  };

  it("answers synchronously when every leaf it reaches is at hand, and stops at the first that decides", () => {
    reads.length = 0;
    const seen: Record<string, unknown> = {};
    const small = { all: [{ signal: "amount", op: "lt", value: 100 }, ...newAccountLargeFirstOrder.all.slice(1)] };
    expect(evaluate(small as Condition, inputs, seen)).toBe(false);
    expect(reads).toEqual(["amount"]);
    expect(seen).toEqual({ amount: 60_000 });
    const listed: Condition = {
      any: [
        { listed: "block", kind: "user" },
        { listed: "block", kind: "ip" },
      ],
    };
    expect(evaluate(listed, inputs, seen)).toBe(true);
    expect(evaluate({ not: listed }, inputs, {})).toBe(false);
    const counted: Condition = { agg: { measure: "count", per: "buyer", windowMinutes: 10 }, op: "gt", value: 2 };
    expect(evaluate(counted, inputs, seen)).toBe(true);
    expect(seen["count/buyer/10m"]).toBe(3);
  });

  it("goes on through a promise from the first leaf that reads, with the values seen in order", async () => {
    reads.length = 0;
    const seen: Record<string, unknown> = {};
    const r = evaluate(newAccountLargeFirstOrder, inputs, seen);
    expect(r).toBeInstanceOf(Promise);
    expect(await r).toBe(true);
    expect(reads).toEqual(["amount", "buyer.order_count", "buyer.age_days"]);
    expect(Object.keys(seen)).toEqual(["amount", "buyer.order_count", "buyer.age_days"]);
    const either: Condition = {
      any: [
        { agg: { measure: "count", per: "target", windowMinutes: 10 }, op: "gt", value: 10 },
        { not: { signal: "buyer.order_count", op: "gt", value: 5 } },
      ],
    };
    const s2: Record<string, unknown> = {};
    expect(await evaluate(either, inputs, s2)).toBe(true);
    expect(s2).toEqual({ "count/target/10m": 7, "buyer.order_count": 0 });
    expect(await evaluate({ not: either }, inputs, {})).toBe(false);
  });
});
