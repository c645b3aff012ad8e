import { z } from "zod";

/*
 * The rule language (docs/risk.md): a condition is JSON, checked by zod, evaluated by walking it — never
 * eval'd. Leaves compare a named signal or a windowed aggregation with a value, or ask a list.
 */

/** Signals a rule may name (risk-signals.ts reads them, lazily, once per decision). */
export const SIGNALS = [
  "subject",
  "channel",
  "amount",
  "currency",
  "quantity",
  "product.id",
  "category.id",
  "target",
  "ip",
  "device",
  "buyer.age_days",
  "buyer.age_minutes",
  "buyer.order_count",
  "buyer.first_order",
  "buyer.lifetime_spend",
  "buyer.kyc",
  "buyer.tier",
  "buyer.tier_rank",
] as const;
export type SignalName = (typeof SIGNALS)[number];

/**
 * What an aggregation measures over a window: events, their amount, distinct buyers or targets (from the
 * counters), or the buyer's failed payments (read from the payments, per buyer only).
 */
export const MEASURES = ["count", "amount", "distinct_buyers", "distinct_targets", "failed_payments"] as const;
export type Measure = (typeof MEASURES)[number];
/** Whose events are aggregated: the deciding event's buyer, target, IP or device. */
export const DIMENSIONS = ["buyer", "target", "ip", "device"] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export const LIST_KINDS = ["user", "target", "ip", "device"] as const;
export type ListKind = (typeof LIST_KINDS)[number];

const OPS = ["gt", "gte", "lt", "lte", "eq", "neq", "in"] as const;
export type Op = (typeof OPS)[number];

const scalar = z.union([z.number().finite(), z.string().max(200), z.boolean()]);
const value = z.union([scalar, z.array(scalar).min(1).max(100)]);

export const aggregationSchema = z
  .object({
    measure: z.enum(MEASURES),
    per: z.enum(DIMENSIONS),
    windowMinutes: z
      .number()
      .int()
      .min(1)
      .max(30 * 24 * 60),
  })
  .strict()
  .refine((a) => !(a.measure === "distinct_buyers" && a.per === "buyer"), {
    message: "distinct_buyers per buyer is always 1: aggregate it per target, ip or device",
  })
  .refine((a) => !(a.measure === "distinct_targets" && a.per !== "buyer"), {
    message: "distinct_targets is counted per buyer only",
  })
  .refine((a) => !(a.measure === "failed_payments" && a.per !== "buyer"), {
    message: "failed_payments is counted per buyer only",
  });
export type Aggregation = z.infer<typeof aggregationSchema>;

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { signal: SignalName; op: Op; value: z.infer<typeof value> }
  | { agg: Aggregation; op: Op; value: number }
  | { listed: "block" | "allow"; kind: ListKind };

const MAX_DEPTH = 6;

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(conditionSchema).min(1).max(20) }).strict(),
    z.object({ any: z.array(conditionSchema).min(1).max(20) }).strict(),
    z.object({ not: conditionSchema }).strict(),
    z
      .object({ signal: z.enum(SIGNALS), op: z.enum(OPS), value })
      .strict()
      .refine((c) => (c.op === "in") === Array.isArray(c.value), {
        message: "`in` takes a list of values; every other op takes one value",
      }),
    z.object({ agg: aggregationSchema, op: z.enum(OPS).exclude(["in"]), value: z.number().finite() }).strict(),
    z.object({ listed: z.enum(["block", "allow"]), kind: z.enum(LIST_KINDS) }).strict(),
  ]),
);

/** Parses a condition (zod) and bounds its nesting; the error names the path of the first problem. */
export function parseCondition(raw: unknown): { ok: true; condition: Condition } | { ok: false; message: string } {
  const parsed = conditionSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, message: `${issue.path.join(".") || "condition"}: ${issue.message}` };
  }
  if (depth(parsed.data) > MAX_DEPTH) return { ok: false, message: `condition nested deeper than ${MAX_DEPTH}` };
  return { ok: true, condition: parsed.data };
}

function depth(c: Condition): number {
  if ("all" in c) return 1 + Math.max(...c.all.map(depth));
  if ("any" in c) return 1 + Math.max(...c.any.map(depth));
  if ("not" in c) return 1 + depth(c.not);
  return 1;
}

/** Every aggregation a condition uses (the counters keep these windows). */
export function aggregationsOf(c: Condition): Aggregation[] {
  if ("all" in c) return c.all.flatMap(aggregationsOf);
  if ("any" in c) return c.any.flatMap(aggregationsOf);
  if ("not" in c) return aggregationsOf(c.not);
  if ("agg" in c) return [c.agg];
  return [];
}

/** Whether the counters keep this aggregation (failed payments are read from the payments instead). */
export const countedByCounters = (a: Aggregation) => a.measure !== "failed_payments";

/** A stable name for an aggregation, used as the key of the values a decision saw. */
export const aggregationKey = (a: Aggregation) => `${a.measure}/${a.per}/${a.windowMinutes}m`;

export type SignalValue = number | string | boolean | null;

/** Where the evaluator gets what a leaf names (each read at most once per decision, by the caller). */
export interface ConditionInputs {
  signal(name: SignalName): Promise<SignalValue> | SignalValue;
  aggregation(a: Aggregation): Promise<number> | number;
  listed(list: "block" | "allow", kind: ListKind): boolean;
}

/**
 * Evaluates a condition, short-circuiting `all`/`any` left to right (so a cheap leaf first spares a
 * read), and writes every value it looked at into `seen` (the decision's explanation). Synchronous while
 * every leaf it reaches answers at once (the event's own signals, counters, lists — most decisions), a
 * promise from the first leaf that reads (the buyer's profile, KYC, failed payments) on.
 */
export function evaluate(
  c: Condition,
  inputs: ConditionInputs,
  seen: Record<string, unknown>,
): boolean | Promise<boolean> {
  if ("all" in c) return every(c.all, 0, inputs, seen);
  if ("any" in c) return some(c.any, 0, inputs, seen);
  if ("not" in c) {
    const r = evaluate(c.not, inputs, seen);
    return r instanceof Promise ? r.then((v) => !v) : !r;
  }
  if ("listed" in c) {
    const hit = inputs.listed(c.listed, c.kind);
    seen[`${c.listed}list.${c.kind}`] = hit;
    return hit;
  }
  if ("agg" in c) {
    const v = inputs.aggregation(c.agg);
    const key = aggregationKey(c.agg);
    if (v instanceof Promise)
      return v.then((x) => {
        seen[key] = x;
        return compare(x, c.op, c.value);
      });
    seen[key] = v;
    return compare(v, c.op, c.value);
  }
  const v = inputs.signal(c.signal);
  if (v instanceof Promise)
    return v.then((x) => {
      seen[c.signal] = x;
      return compare(x, c.op, c.value);
    });
  seen[c.signal] = v;
  return compare(v, c.op, c.value);
}

function every(subs: Condition[], from: number, inputs: ConditionInputs, seen: Record<string, unknown>) {
  for (let i = from; i < subs.length; i++) {
    const r = evaluate(subs[i]!, inputs, seen);
    if (r instanceof Promise) return r.then((v): boolean | Promise<boolean> => v && every(subs, i + 1, inputs, seen));
    if (!r) return false;
  }
  return true;
}

function some(subs: Condition[], from: number, inputs: ConditionInputs, seen: Record<string, unknown>) {
  for (let i = from; i < subs.length; i++) {
    const r = evaluate(subs[i]!, inputs, seen);
    if (r instanceof Promise) return r.then((v): boolean | Promise<boolean> => v || some(subs, i + 1, inputs, seen));
    if (r) return true;
  }
  return false;
}

function compare(actual: SignalValue, op: Op, expected: unknown): boolean {
  if (op === "in") return Array.isArray(expected) && actual !== null && expected.includes(actual);
  if (op === "eq") return actual === expected;
  if (op === "neq") return actual !== expected;
  // Ordering compares numbers only: a missing or non-numeric signal never satisfies gt/lt.
  if (typeof actual !== "number" || typeof expected !== "number") return false;
  switch (op) {
    case "gt":
      return actual > expected;
    case "gte":
      return actual >= expected;
    case "lt":
      return actual < expected;
    case "lte":
      return actual <= expected;
  }
}
