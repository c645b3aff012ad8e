import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { captureOrders } from "../../bench/capture/capture-orders.ts";
import { orderScripts, SCRIPT_FILES } from "../../bench/pgbench/order-scripts.ts";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * The same-SQL figures of `npm run bench` are only worth something while bench/sql/*.sql are exactly
 * what the service sends. This records a stock order and a DIRECT order through the service and
 * generates the scripts again: when the statements, their parameters or their round trips change,
 * run `npm run bench:sql` and commit the new scripts.
 */
describe("the committed pgbench scripts are what the service sends for an order", () => {
  it("a stock order paid from the wallet, and a DIRECT order from placement to delivery", async () => {
    const scripts = orderScripts(await captureOrders());
    for (const [kind, file] of Object.entries(SCRIPT_FILES)) {
      const committed = await readFile(path.join(root, file), "utf8");
      expect(scripts[kind as keyof typeof SCRIPT_FILES], `${file} is stale: run \`npm run bench:sql\``).toBe(committed);
    }
  });
});
