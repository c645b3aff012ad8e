import { telegramWebhookSignals, type Alerts, type TelegramWebhookReading } from "../../core/alerts/index.ts";
import { systemContext, type Clock } from "../../core/shared/index.ts";

export interface TelegramWebhookHealthOptions {
  alerts: Pick<Alerts, "sweep">;
  /** Telegram's `getWebhookInfo`. */
  webhookInfo(): Promise<TelegramWebhookReading>;
  clock: Clock;
  /** How often Telegram is asked (default 60 s). */
  everyMs?: number;
  /** The backlog grew at this many checks in a row: an alert (default 3). */
  growingChecks?: number;
  onError?(err: unknown): void;
}

/**
 * Asks Telegram how delivering to our webhook goes (`getWebhookInfo`), in the process that serves the
 * webhook: a delivery error newer than the last one seen, or a backlog that keeps growing, opens the
 * `telegram_webhook` alert; a check that finds neither resolves it. The last error seen and the backlog's
 * recent counts are this process's memory (a restarted process counts an error of the last two intervals
 * as new); the alert itself is deduped and throttled by core/alerts, so several serve processes meet on it.
 */
export function createTelegramWebhookHealth(o: TelegramWebhookHealthOptions) {
  const everyMs = o.everyMs ?? 60_000;
  const growingChecks = o.growingChecks ?? 3;
  const ctx = systemContext("telegram-webhook-health");
  let lastErrorSeen: number | null | undefined;
  const pending: number[] = [];

  async function check(): Promise<void> {
    const r = await o.webhookInfo();
    const nowS = o.clock.now().getTime() / 1000;
    const newError =
      r.lastErrorDate !== null &&
      (lastErrorSeen === undefined
        ? nowS - r.lastErrorDate <= (2 * everyMs) / 1000
        : r.lastErrorDate > (lastErrorSeen ?? 0));
    lastErrorSeen = r.lastErrorDate ?? lastErrorSeen ?? null;
    pending.push(r.pendingUpdateCount);
    if (pending.length > growingChecks + 1) pending.shift();
    const firing = telegramWebhookSignals(r, { newError, pending }, { growingChecks });
    await o.alerts.sweep(ctx, { kind: "telegram_webhook", firing });
  }
  const timer = setInterval(() => void check().catch((err: unknown) => o.onError?.(err)), everyMs);
  timer.unref();

  return { check, stop: () => clearInterval(timer) };
}
