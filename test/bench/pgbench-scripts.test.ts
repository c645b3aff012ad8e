import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { captureOrders, type OrderCapture } from "../../bench/capture/capture-orders.ts";
import type { RecordedStep } from "../../bench/capture/recording-runner.ts";
import { orderScripts, SCRIPT_FILES } from "../../bench/pgbench/order-scripts.ts";

const root = path.resolve(import.meta.dirname, "../..");

let capture: OrderCapture;
beforeAll(async () => {
  capture = await captureOrders();
}, 120_000);

/**
 * The same-SQL figures of `npm run bench` are only worth something while bench/sql/*.sql are exactly
 * what the service sends. This records a stock order and a DIRECT order through the service and
 * generates the scripts again: when the statements, their parameters or their round trips change,
 * run `npm run bench:sql` and commit the new scripts.
 */
describe("the committed pgbench scripts are what the service sends for an order", () => {
  it("a stock order paid from the wallet, and a DIRECT order from placement to delivery", async () => {
    const scripts = orderScripts(capture);
    for (const [kind, file] of Object.entries(SCRIPT_FILES)) {
      const committed = await readFile(path.join(root, file), "utf8");
      expect(scripts[kind as keyof typeof SCRIPT_FILES], `${file} is stale: run \`npm run bench:sql\``).toBe(committed);
    }
  });
});

/** Round trips an order costs, and the commits that write (a read outside a transaction writes nothing). */
function cost(steps: RecordedStep[]) {
  return {
    roundTrips: steps.reduce((n, s) => n + (s.kind === "autocommit" ? 1 : s.trips.length), 0),
    writingCommits: steps.filter((s) =>
      s.kind === "transaction" ? s.outcome === "commit" : !/^\s*SELECT\b/i.test(s.trip[0]!.text),
    ).length,
  };
}

describe("what an order costs the database (warm: caches filled, accounts known)", () => {
  it("a stock order paid from the wallet: one round trip, one commit", () => {
    expect(cost(capture.stock)).toEqual({ roundTrips: 1, writingCommits: 1 });
  });

  it("a DIRECT order, placement to delivery: its placement and two more round trips and commits", () => {
    // Issue 15 §3: after the placement (what a stock order costs), PAID → FULFILLING with the supplier
    // request's row, then the delivery with the request's outcome — nothing else. The first attempt runs in
    // the process that placed the order (no read of it); the supplier's routing and connection come from
    // caches. (The fulfilment was 7 round trips and 4 commits.)
    const stock = cost(capture.stock);
    expect(cost(capture.direct)).toEqual({
      roundTrips: stock.roundTrips + 2,
      writingCommits: stock.writingCommits + 2,
    });
  });
});
