import type { AlertSignal } from "../alerts.types.ts";

/** What Telegram says of our webhook (`getWebhookInfo`), read once per check. */
export interface TelegramWebhookReading {
  /** Updates Telegram holds for us, not yet delivered. */
  pendingUpdateCount: number;
  /** When Telegram last failed to deliver to us (Unix seconds), if ever. */
  lastErrorDate: number | null;
  /** Telegram's words for that failure (`Wrong response from the webhook: 502 Bad Gateway`). */
  lastErrorMessage: string | null;
}

export interface TelegramWebhookRule {
  /** The backlog counts as growing when it rose at each of this many checks in a row (and is not empty). */
  growingChecks: number;
}

/**
 * Telegram failing to deliver to our webhook, seen from its side: a delivery error newer than the last one
 * seen (`newError`; Telegram moves `last_error_date` at every failed attempt, so it stays new while the
 * failures go on), or a backlog that keeps growing (`pending`, the counts of the last checks, oldest
 * first). Either is one alert; neither any more resolves it.
 */
export function telegramWebhookSignals(
  reading: TelegramWebhookReading,
  history: { newError: boolean; pending: number[] },
  rule: TelegramWebhookRule,
): AlertSignal[] {
  const recent = history.pending.slice(-(rule.growingChecks + 1));
  const growing =
    recent.length === rule.growingChecks + 1 &&
    recent.every((n, i) => i === 0 || n > recent[i - 1]!) &&
    recent.at(-1)! > 0;
  if (!history.newError && !growing) return [];
  return [
    {
      subject: "webhook:telegram:delivery",
      kind: "telegram_webhook",
      severity: growing ? "critical" : "warning",
      details: {
        pending: reading.pendingUpdateCount,
        growing,
        lastError: reading.lastErrorMessage?.slice(0, 200) ?? null,
        lastErrorAt: reading.lastErrorDate ? new Date(reading.lastErrorDate * 1000).toISOString() : null,
      },
    },
  ];
}
