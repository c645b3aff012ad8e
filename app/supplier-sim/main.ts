/**
 * Runs the simulated supplier as its own process (crash tests, manual experiments):
 *   tsx app/supplier-sim/main.ts --secret <shared secret> [--port 0] [--latency-ms 50] [--failure-rate 0]
 *       [--timeout-rate 0] [--async-rate 0] [--callback-delay-ms 500]
 * Prints one JSON line `{"url": "..."}` once listening; stops on SIGINT/SIGTERM.
 */
import { parseArgs } from "node:util";
import { startSupplierSim } from "./start-supplier-sim.ts";

const { values } = parseArgs({
  options: {
    secret: { type: "string" },
    port: { type: "string", default: "0" },
    "latency-ms": { type: "string" },
    "failure-rate": { type: "string" },
    "timeout-rate": { type: "string" },
    "async-rate": { type: "string" },
    "callback-delay-ms": { type: "string" },
  },
});
if (!values.secret || values.secret.length < 16) {
  console.error("--secret (at least 16 characters) is required");
  process.exit(2);
}
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const running = await startSupplierSim({
  secret: values.secret,
  port: Number(values.port),
  latencyMs: num(values["latency-ms"]),
  failureRate: num(values["failure-rate"]),
  timeoutRate: num(values["timeout-rate"]),
  asyncRate: num(values["async-rate"]),
  callbackDelayMs: num(values["callback-delay-ms"]),
});
console.log(JSON.stringify({ url: running.url }));
const stop = () => void running.stop().then(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
