export * from "./low-stock.check.ts";
export * from "./supplier-breaker.check.ts";
export * from "./order-health.check.ts";
export * from "./ledger.check.ts";
export * from "./backorders.check.ts";
export * from "./webhook-errors.check.ts";
export * from "./telegram-webhook.check.ts";
