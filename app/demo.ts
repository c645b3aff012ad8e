import type { Config } from "./config.ts";
import type { Container } from "./container.ts";
import { localSecret, randomToken } from "./local-secrets.ts";
import { seedDemo } from "./seed/demo-seed.ts";
import { startSupplierSim, type SupplierSimOptions } from "./supplier-sim/index.ts";

/**
 * How the embedded demo's simulated supplier behaves: SUPPLIER_SIM_FAILURE_RATE and
 * SUPPLIER_SIM_LATENCY_MS make failures (and so refunds) and slow top-ups visible; a quarter of the
 * orders are answered later by a signed callback, as real suppliers do.
 */
export function demoSimBehaviour(config: Config): Omit<SupplierSimOptions, "secret"> {
  return {
    latencyMs: config.SUPPLIER_SIM_LATENCY_MS,
    failureRate: config.SUPPLIER_SIM_FAILURE_RATE,
    asyncRate: 0.25,
    callbackDelayMs: 1500,
  };
}

/** The embedded demo: the simulated supplier in-process and the demo catalog. Returns the demo key on the first start. */
export async function startDemo(c: Container): Promise<{ apiKey?: string }> {
  const secret = await localSecret(c.config.DATA_DIR, "supplier-sim.secret", () => randomToken("simsec_"));
  const behaviour = demoSimBehaviour(c.config);
  const sim = await startSupplierSim({ secret, ...behaviour });
  c.onClose(() => sim.stop());
  const r = await seedDemo(c, { simUrl: sim.url, simSecret: secret });
  c.logger.info(
    { sim: sim.url, products: r.products, failureRate: behaviour.failureRate, latencyMs: behaviour.latencyMs },
    "demo shop seeded; simulated supplier running",
  );
  return r.apiKey ? { apiKey: r.apiKey } : {};
}
