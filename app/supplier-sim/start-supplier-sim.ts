import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createSupplierSim, type SupplierSim, type SupplierSimOptions, type SupplierSimStats } from "./supplier-sim.ts";

export interface RunningSupplierSim {
  /** Base URL to configure as the supplier's `baseUrl`, e.g. `http://127.0.0.1:40123`. */
  url: string;
  sim: SupplierSim;
  stats(): SupplierSimStats;
  stop(): Promise<void>;
}

/** Serves the simulated supplier over real HTTP (port 0 = any free port). */
export async function startSupplierSim(
  opts: SupplierSimOptions & { port?: number; hostname?: string },
): Promise<RunningSupplierSim> {
  const sim = createSupplierSim(opts);
  const hostname = opts.hostname ?? "127.0.0.1";
  let server!: ReturnType<typeof serve>;
  const info = await new Promise<AddressInfo>((resolve, reject) => {
    server = serve({ fetch: sim.app.fetch, port: opts.port ?? 0, hostname }, resolve);
    server.once("error", reject);
  });
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    url: `http://${host}:${info.port}`,
    sim,
    stats: () => sim.stats(),
    async stop() {
      sim.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
    },
  };
}
