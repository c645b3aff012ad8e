import type { Hono } from "hono";
import { apiDocsRoutes, apiV1Routes, supplierCallbackRoutes } from "../channels/api/index.ts";
import { paymentRoutes } from "../channels/http/payments.routes.ts";
import { payoutSandboxRoutes } from "../channels/http/payouts-sandbox.routes.ts";
import { walletCode } from "../core/ledger/index.ts";
import type { Container } from "./container.ts";
import { healthRoutes } from "./http/health.ts";
import { registerBusinessGauges } from "./http/business-gauges.ts";
import { metricsRoutes } from "./http/metrics.ts";
import { rateLimitersOf } from "./http/rate-limiters.ts";
import { createRootApp } from "./http/root.ts";

export interface HttpAppOptions {
  /** More `/health` checks (tests use it to simulate a failing dependency). */
  extraChecks?: Record<string, () => Promise<void>>;
  /** Routes of the chat channels (web chat page, Telegram webhook), mounted at the root. */
  chatRoutes?: Hono;
}

/** Mounts every HTTP entry on one Hono app. Tests call `app.request()` on it with no server. */
export function createHttpApp(c: Container, { extraChecks = {}, chatRoutes }: HttpAppOptions = {}) {
  const app = createRootApp({ logger: c.logger, metrics: c.metrics });
  const limits = rateLimitersOf(c);
  app.route(
    "/health",
    healthRoutes(
      { database: () => c.db.ping(), ...c.healthChecks, ...extraChecks },
      { onFailure: (check, err) => c.logger.warn({ check, err }, "health check failed") },
    ),
  );
  registerBusinessGauges(c.metrics, {
    sql: c.db.sql,
    catalog: c.catalog,
    inventory: c.inventory,
    jobs: c.jobs,
    ...c.businessGauges,
  });
  app.route("/metrics", metricsRoutes(c.metrics));
  const rejected = (source: string) => (reason: string) => c.metrics.webhookRejections.inc({ source, reason });

  // The sandbox payment provider: checkout page and signed webhook (channels/http).
  app.route(
    "/",
    paymentRoutes({
      payments: c.payments,
      checkoutSimulator: c.config.NODE_ENV !== "production",
      onRejected: rejected("sandbox"),
    }),
  );
  // The sandbox payout provider (withdrawals' default when PAYOUT_PROVIDER_URL is unset; not in production).
  if (c.config.NODE_ENV !== "production" && !c.config.PAYOUT_PROVIDER_URL)
    app.route("/", payoutSandboxRoutes({ secret: c.payoutProviderSecret, clock: c.clock }));
  // Supplier callbacks (signed, no API key): registered before /v1 so its auth does not apply.
  app.route(
    "/",
    supplierCallbackRoutes({
      suppliers: c.suppliers,
      orders: c.orders,
      logger: c.logger,
      onRejected: rejected("supplier"),
    }),
  );
  app.route(
    "/v1",
    apiV1Routes({
      apiKeys: c.apiKeys,
      orders: c.orders,
      catalog: c.catalog,
      inventory: c.inventory,
      ledger: c.ledger,
      walletCode,
      webhooks: c.webhooks,
      enqueueWebhook: (id, o) => c.enqueueWebhook(id, o),
      distribution: c.distribution,
      limits: { perKey: limits.apiKey, perIp: limits.ip, trustProxy: limits.trustProxy },
    }),
  );
  app.route("/", apiDocsRoutes());
  if (chatRoutes) app.route("/", chatRoutes);
  return app;
}
