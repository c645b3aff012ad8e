/**
 * `npm run bench:sql` — records a stock order and a DIRECT order through the service (bench/capture) and
 * writes the pgbench scripts generated from them (bench/sql/*.sql). Run it when the statements an order
 * sends change; test/bench/pgbench-scripts.test.ts says when.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { captureOrders } from "../capture/capture-orders.ts";
import { orderScripts, SCRIPT_FILES } from "./order-scripts.ts";

const root = path.resolve(import.meta.dirname, "../..");
const scripts = orderScripts(await captureOrders());
for (const [kind, file] of Object.entries(SCRIPT_FILES)) {
  await writeFile(path.join(root, file), scripts[kind as keyof typeof SCRIPT_FILES]);
  console.log(`wrote ${file}`);
}
process.exit(0);
