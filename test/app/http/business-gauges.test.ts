import { describe, expect, it } from "vitest";
import { registerBusinessGauges } from "../../../app/http/business-gauges.ts";
import { createMetrics } from "../../../app/http/metrics.ts";
import type { Sql, SqlExecutor } from "../../../core/shared/index.ts";

/**
 * The gauges' reading rules, with the database answers scripted: the full order count is refreshed
 * rarely while the statuses orders move through are fresh on each read; unknown channels are folded into
 * "other"; a second registration on one registry is a no-op.
 */
function fakeDb() {
  const state = {
    all: [] as Array<{ status: string; channel: string; n: bigint }>,
    live: [] as Array<{ status: string; channel: string; n: bigint }>,
    reads: { all: 0, live: 0 },
  };
  const sql: SqlExecutor = {
    async query<R>(statement: Sql): Promise<R[]> {
      const live = /ANY\(/.test(statement.sql);
      state.reads[live ? "live" : "all"]++;
      return (live ? state.live : state.all) as R[];
    },
    execute: () => Promise.resolve(0),
  };
  return { sql, state };
}

const deps = (sql: SqlExecutor, totalsEveryMs: number) => ({
  sql,
  catalog: { listProducts: () => Promise.resolve([]) },
  inventory: { availableCounts: () => Promise.resolve(new Map<string, number>()) },
  jobs: { counts: () => Promise.resolve({}) },
  cacheMs: 0,
  totalsEveryMs,
});

const ordersOf = async (metrics: ReturnType<typeof createMetrics>) =>
  (await metrics.registry.getSingleMetric("kameng_orders")!.get()).values.map((v) => ({
    ...v.labels,
    n: v.value,
  }));

describe("business gauges", () => {
  it("terminal statuses from the rarely refreshed full count, live ones fresh; odd channels as other", async () => {
    const { sql, state } = fakeDb();
    const metrics = createMetrics();
    registerBusinessGauges(metrics, deps(sql, 60_000));
    state.all = [
      { status: "DELIVERED", channel: "telegram", n: 5n },
      { status: "CREATED", channel: "telegram", n: 9n },
      { status: "REFUNDED", channel: "carrier-pigeon", n: 1n },
    ];
    state.live = [{ status: "CREATED", channel: "telegram", n: 2n }];
    expect(await ordersOf(metrics)).toEqual(
      expect.arrayContaining([
        { status: "DELIVERED", channel: "telegram", n: 5 },
        { status: "CREATED", channel: "telegram", n: 2 },
        { status: "REFUNDED", channel: "other", n: 1 },
      ]),
    );
    expect(await ordersOf(metrics)).toHaveLength(3);
    // Later: the full count is not read again within its interval; the live one is.
    state.all = [{ status: "DELIVERED", channel: "telegram", n: 6n }];
    state.live = [{ status: "PAID", channel: "web", n: 1n }];
    expect(await ordersOf(metrics)).toEqual([
      { status: "DELIVERED", channel: "telegram", n: 5 },
      { status: "REFUNDED", channel: "other", n: 1 },
      { status: "PAID", channel: "web", n: 1 },
    ]);
    expect(state.reads.all).toBe(1);
    expect(state.reads.live).toBeGreaterThanOrEqual(2);
    // Registering again on the same registry changes nothing (and does not throw).
    registerBusinessGauges(metrics, deps(sql, 0));
    expect(await ordersOf(metrics)).toHaveLength(3);
  });
});
