import { apiV1Routes, supplierCallbackRoutes } from "../channels/api/index.ts";
import { paymentRoutes } from "../channels/http/payments.routes.ts";
import { walletCode } from "../core/ledger/index.ts";
import type { Container } from "./container.ts";
import { healthRoutes } from "./http/health.ts";
import { metricsRoutes } from "./http/metrics.ts";
import { createRootApp } from "./http/root.ts";

/** Mounts every HTTP entry on one Hono app. Tests call `app.request()` on it with no server. */
export function createHttpApp(c: Container, extraChecks: Record<string, () => Promise<void>> = {}) {
  const app = createRootApp({ logger: c.logger, metrics: c.metrics });
  app.route("/health", healthRoutes({ database: () => c.db.ping(), ...c.healthChecks, ...extraChecks }));
  app.route("/metrics", metricsRoutes(c.metrics));

  // The sandbox payment provider: checkout page and signed webhook (channels/http).
  app.route("/", paymentRoutes({ payments: c.payments }));
  // Supplier callbacks (signed, no API key): registered before /v1 so its auth does not apply.
  app.route("/", supplierCallbackRoutes({ suppliers: c.suppliers, orders: c.orders }));
  app.route(
    "/v1",
    apiV1Routes({
      apiKeys: c.apiKeys,
      orders: c.orders,
      catalog: c.catalog,
      inventory: c.inventory,
      ledger: c.ledger,
      walletCode,
    }),
  );
  return app;
}
