import type { Context, Hono } from "hono";
import type { StatementEntry } from "../../core/ledger/index.ts";
import { CURRENCIES, invalidData, type CoreContext, type Currency } from "../../core/shared/index.ts";
import type { WebhookDelivery, Webhooks } from "../../core/webhooks/index.ts";
import { errorJson, readJson } from "../http/errors.ts";
import { webhookBodySchema, type WebhookDeliveryJson, type StatementEntryJson } from "./api-schemas.ts";

/** What the distributor's own-account routes need (webhooks, statement). */
export interface DistributorRoutesDeps {
  webhooks: Pick<Webhooks, "setEndpoint" | "getEndpoint" | "removeEndpoint" | "list" | "resend">;
  /** Queues a resend of a delivery (a `deliver-webhook` job of its own, deduped on the request's Idempotency-Key while queued). */
  enqueueWebhook(deliveryId: string, opts: { resend: string }): Promise<void>;
  ledger: {
    entries(ctx: CoreContext, code: string, input: { limit: number; beforeId?: bigint }): Promise<StatementEntry[]>;
  };
  walletCode(userId: string, currency: Currency): string;
}

type Ctx = CoreContext & { actor: { userId: string } };

/** `limit` from the query: 1–100, default 20. */
function limitOf(raw: string | undefined): number {
  const limit = raw === undefined ? 20 : /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
  if (!(limit >= 1 && limit <= 100)) throw invalidData("invalid_limit", "limit must be a whole number from 1 to 100");
  return limit;
}

const deliveryJson = (d: WebhookDelivery): WebhookDeliveryJson => ({
  id: d.id,
  event_id: d.eventId,
  event_type: d.eventType as WebhookDeliveryJson["event_type"],
  order_id: d.orderId,
  status: d.status,
  attempts: d.attempts,
  last_status: d.lastStatus,
  last_error: d.lastError,
  created_at: d.createdAt.toISOString(),
  last_attempt_at: d.lastAttemptAt?.toISOString() ?? null,
  delivered_at: d.deliveredAt?.toISOString() ?? null,
});

const entryJson = (e: StatementEntry): StatementEntryJson => ({
  id: e.id.toString(),
  transaction_id: e.transactionId,
  kind: e.kind,
  amount: Number(e.amount),
  currency: e.currency,
  order_id: e.orderId,
  withdrawal_id: e.withdrawalId,
  created_at: e.createdAt.toISOString(),
});

/**
 * The caller's own account beyond orders: their webhook (callback URL and signing secret), its delivery
 * log and resends, and their wallet statement. Mounted inside /v1 (its auth applies).
 */
export function registerDistributorRoutes<E extends { Variables: object }>(
  app: Hono<E>,
  deps: DistributorRoutesDeps,
  ctxOf: (c: Context<E>) => Ctx,
): void {
  app.post("/webhook", async (c) => {
    const ctx = ctxOf(c);
    const body = await readJson(c, webhookBodySchema);
    const e = await deps.webhooks.setEndpoint(ctx, {
      userId: ctx.actor.userId,
      url: body.url,
      idempotencyKey: ctx.idempotencyKey!,
    });
    if (e.replayed) c.header("Idempotent-Replayed", "true");
    return c.json(
      { webhook: { url: e.url, created_at: e.createdAt.toISOString(), secret: e.secret } },
      e.replayed ? 200 : 201,
    );
  });

  app.get("/webhook", async (c) => {
    const ctx = ctxOf(c);
    const e = await deps.webhooks.getEndpoint(ctx, { userId: ctx.actor.userId });
    if (!e) return errorJson(c, 404, "webhook_not_found", "you have no callback URL set: POST /v1/webhook sets one");
    return c.json({ webhook: { url: e.url, created_at: e.createdAt.toISOString() } });
  });

  app.delete("/webhook", async (c) => {
    const ctx = ctxOf(c);
    if (!(await deps.webhooks.removeEndpoint(ctx, { userId: ctx.actor.userId })))
      return errorJson(c, 404, "webhook_not_found", "you have no callback URL set");
    return c.body(null, 204);
  });

  app.get("/webhook-deliveries", async (c) => {
    const ctx = ctxOf(c);
    const limit = limitOf(c.req.query("limit"));
    const cursor = c.req.query("cursor");
    const page = await deps.webhooks.list(ctx, {
      userId: ctx.actor.userId,
      limit,
      ...(cursor !== undefined ? { cursor } : {}),
    });
    return c.json({ deliveries: page.deliveries.map(deliveryJson), next_cursor: page.nextCursor });
  });

  app.post("/webhook-deliveries/:id/resend", async (c) => {
    const ctx = ctxOf(c);
    const d = await deps.webhooks.resend(ctx, { userId: ctx.actor.userId, deliveryId: c.req.param("id") });
    await deps.enqueueWebhook(d.id, { resend: ctx.idempotencyKey! });
    return c.json({ delivery: deliveryJson(d) }, 202);
  });

  app.get("/statement", async (c) => {
    const ctx = ctxOf(c);
    const limit = limitOf(c.req.query("limit"));
    const currency = c.req.query("currency") ?? "CNY";
    if (!Object.hasOwn(CURRENCIES, currency))
      throw invalidData("invalid_currency", `currency must be one of ${Object.keys(CURRENCIES).join(", ")}`);
    const rawCursor = c.req.query("cursor");
    let beforeId: bigint | undefined;
    if (rawCursor !== undefined) {
      const m = rawCursor.length <= 40 ? /^e(\d{1,19})$/.exec(Buffer.from(rawCursor, "base64url").toString()) : null;
      if (!m) throw invalidData("invalid_cursor", "cursor must be a next_cursor this API returned");
      beforeId = BigInt(m[1]!);
    }
    const rows = await deps.ledger.entries(ctx, deps.walletCode(ctx.actor.userId, currency as Currency), {
      limit: limit + 1,
      ...(beforeId !== undefined ? { beforeId } : {}),
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return c.json({
      currency,
      entries: page.map(entryJson),
      next_cursor: rows.length > limit && last ? Buffer.from(`e${last.id}`).toString("base64url") : null,
    });
  });
}
