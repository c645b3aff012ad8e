import type { AlertSignal } from "../alerts.types.ts";

/** Requests a chat channel's webhook refused over the last `windowMinutes`, by reason. */
export interface WebhookRejections {
  channel: string;
  windowMinutes: number;
  byReason: Record<string, number>;
}

/**
 * A webhook refusing requests: a wrong secret after a rotation (Telegram then retries and gives up on our
 * updates), an attack, a broken proxy. At least `threshold` refusals in the window is an alert.
 */
export function webhookErrorSignals(w: WebhookRejections, threshold: number): AlertSignal[] {
  const total = Object.values(w.byReason).reduce((a, b) => a + b, 0);
  if (total < threshold) return [];
  return [
    {
      subject: `webhook:${w.channel}`,
      kind: "webhook_errors",
      severity: "critical",
      details: {
        channel: w.channel,
        rejected: total,
        windowMinutes: w.windowMinutes,
        reasons: Object.entries(w.byReason)
          .map(([k, v]) => `${k} ${v}`)
          .join(", "),
      },
    },
  ];
}
