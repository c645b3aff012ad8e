import type { ListIndex } from "./risk-lists.ts";
import { aggregationsOf, countedByCounters } from "./risk-conditions.ts";
import { InMemoryRiskCounters, type CounterReadings } from "./risk-counters.port.ts";
import { seriesFor } from "./risk-signals.ts";
import type {
  BacktestResult,
  BuyerProfile,
  FiredRule,
  HistoricalOrder,
  RiskOutcome,
  RiskRule,
  RiskSubject,
} from "./risk.types.ts";

type Judge = (
  subject: RiskSubject,
  rules: readonly RiskRule[],
  lists: ListIndex,
  readings: CounterReadings,
  buyer: () => Promise<BuyerProfile | null>,
  now: Date,
  failedPayments: (windowMinutes: number) => Promise<number>,
) => Promise<{ outcome: RiskOutcome; fired: FiredRule[] }>;

/**
 * Replays past orders, oldest first, through `rules` with counters of its own (nothing shared is read
 * or written): each order is judged as of its own time, its buyer's order count and spend are those the
 * replay has seen so far, and an order the rules would have refused does not count, as live.
 */
export async function backtestOrders(input: {
  days: number;
  orders: readonly HistoricalOrder[];
  rules: readonly RiskRule[];
  lists: ListIndex;
  judge: Judge;
  /** The buyer's failed payments in the window before `at` (only asked when a rule reads them). */
  failedPayments(userId: string, from: Date, to: Date): Promise<number>;
}): Promise<BacktestResult> {
  const counters = new InMemoryRiskCounters();
  const aggs = input.rules.flatMap((r) => aggregationsOf(r.condition)).filter(countedByCounters);
  const retainMs = Math.max(0, ...aggs.map((a) => a.windowMinutes * 60_000));
  const seen = new Map<string, { count: number; spend: bigint }>();
  const result: BacktestResult = {
    days: input.days,
    orders: input.orders.length,
    outcomes: { allow: 0, review: 0, kyc_required: 0, block: 0 },
    byRule: Object.fromEntries(input.rules.map((r) => [r.name, 0])),
    examples: [],
  };
  for (const o of input.orders) {
    const subject: RiskSubject = {
      subject: "order",
      eventId: o.id,
      userId: o.userId,
      channel: o.channel,
      amount: o.total,
      currency: o.currency,
      quantity: o.quantity,
      productId: o.productId,
      ...(o.categoryId ? { categoryId: o.categoryId } : {}),
      target: o.target,
    };
    const event = {
      eventId: o.id,
      atMs: o.createdAt.getTime(),
      amount: Number(o.total),
      series: seriesFor(subject, aggs),
      retainMs,
    };
    const readings = await counters.record(event);
    const before = seen.get(o.userId) ?? { count: 0, spend: 0n };
    const profile: BuyerProfile = {
      createdAt: o.buyerCreatedAt,
      orderCount: before.count,
      firstOrder: before.count === 0,
      lifetimeSpend: before.spend,
      // The tier as it is now (history keeps no tier changes).
      tier: o.buyerTier ?? null,
      tierRank: o.buyerTierRank ?? 0,
    };
    const { outcome, fired } = await input.judge(
      subject,
      input.rules,
      input.lists,
      readings,
      async () => profile,
      o.createdAt,
      (minutes) => input.failedPayments(o.userId, new Date(o.createdAt.getTime() - minutes * 60_000), o.createdAt),
    );
    result.outcomes[outcome]++;
    for (const f of fired) result.byRule[f.name] = (result.byRule[f.name] ?? 0) + 1;
    if (outcome === "block" || outcome === "kyc_required") await counters.forget(event);
    else seen.set(o.userId, { count: before.count + 1, spend: before.spend + o.total });
    if (outcome !== "allow" && result.examples.length < 20)
      result.examples.push({ orderId: o.id, outcome, rules: fired.map((f) => f.name) });
  }
  return result;
}
