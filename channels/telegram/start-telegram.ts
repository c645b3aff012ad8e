import type { Hono } from "hono";
import { createTelegramChannel, errInfo, type TelegramChannel, type TelegramChannelDeps } from "./telegram.channel.ts";
import { telegramWebhookRoutes } from "./webhook.routes.ts";

export interface StartTelegramOptions extends TelegramChannelDeps {
  /** `TELEGRAM_WEBHOOK_SECRET`: webhook mode when set, long polling otherwise. */
  webhookSecret?: string;
  /** Told about each refused webhook request, by reason (for `/metrics`). */
  onWebhookRejected?(reason: string): void;
  /** `PUBLIC_URL`; the webhook is `${publicUrl}${mountPath}/webhook`. */
  publicUrl: string;
  /** Where the caller mounts `routes` (default `/telegram`). */
  mountPath?: string;
  /** Call setWebhook at start (webhook mode). Default true; Telegram needs a public HTTPS URL. */
  registerWebhook?: boolean;
}

export interface StartedTelegram {
  channel: TelegramChannel;
  mode: "webhook" | "polling";
  /** Webhook mode: the Hono sub-app to mount at `mountPath` (`app.route("/telegram", routes)`). */
  routes?: Hono;
  webhookUrl?: string;
}

/**
 * Starts the Telegram channel the way the config asks: with a webhook secret, returns the webhook routes
 * (and registers the webhook with Telegram unless told not to); without one, starts long polling for
 * development. Call `channel.stop()` on shutdown. Throws only when `botInfo` is absent and getMe fails
 * (wrong token or no route to the Bot API).
 */
export async function startTelegram(opts: StartTelegramOptions): Promise<StartedTelegram> {
  const channel = await createTelegramChannel(opts);
  const mount = (opts.mountPath ?? "/telegram").replace(/\/+$/, "");
  if (opts.webhookSecret) {
    const routes = telegramWebhookRoutes({
      channel,
      secretToken: opts.webhookSecret,
      ...(opts.onWebhookRejected ? { onRejected: opts.onWebhookRejected } : {}),
    });
    const webhookUrl = `${opts.publicUrl.replace(/\/+$/, "")}${mount}/webhook`;
    if (opts.registerWebhook !== false) {
      try {
        await channel.setWebhook(webhookUrl, opts.webhookSecret);
        opts.logger.info({ webhookUrl }, "telegram: webhook registered");
      } catch (err) {
        // A wrong PUBLIC_URL must not take the shop down; Telegram keeps the previous webhook meanwhile.
        opts.logger.error({ webhookUrl, err: errInfo(err) }, "telegram: setWebhook failed");
      }
    }
    return { channel, mode: "webhook", routes, webhookUrl };
  }
  opts.logger.warn({}, "telegram: long polling (development); set TELEGRAM_WEBHOOK_SECRET for webhook mode");
  // Not awaited: an unreachable Bot API must not block or crash the server; grammY keeps retrying getUpdates.
  channel.startPolling().catch((err) => opts.logger.error({ err: errInfo(err) }, "telegram: polling failed to start"));
  return { channel, mode: "polling" };
}
