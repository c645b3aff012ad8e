import { withAccess } from "../shared/index.ts";
import { webhooksAccess } from "./webhooks.access.ts";
import { createWebhooks as createUncheckedWebhooks, type WebhooksDeps } from "./webhooks.service.ts";
import type { Webhooks } from "./webhooks.types.ts";

export type { WebhooksDeps };
export * from "./webhooks.types.ts";
export { DELIVERY_ROW, ENDPOINT_ROW } from "./webhooks.sql.ts";

/** Distributor webhooks, every call checked against its actor (webhooks.access.ts). */
export const createWebhooks = (deps: WebhooksDeps): Webhooks =>
  withAccess("webhooks", createUncheckedWebhooks(deps), webhooksAccess);
