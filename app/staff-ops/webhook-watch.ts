import { webhookErrorSignals, type Alerts } from "../../core/alerts/index.ts";
import { systemContext, type Clock } from "../../core/shared/index.ts";

export interface WebhookWatchOptions {
  alerts: Pick<Alerts, "sweep">;
  clock: Clock;
  channel: string;
  /** Refusals counted over this window (default 5 minutes)… */
  windowMs?: number;
  /** …at least this many is an alert (default 5). */
  threshold?: number;
  /** How often the window is checked again, so a quiet webhook resolves its alert (default 60 s). */
  everyMs?: number;
  onError?(err: unknown): void;
}

/**
 * Watches a webhook's refused requests in the process that serves it (they are seen nowhere else): at the
 * threshold within the window an alert opens at once; the periodic check resolves it once the window is
 * quiet. The alert itself is throttled and deduped by core/alerts.
 */
export function createWebhookWatch(o: WebhookWatchOptions) {
  const windowMs = o.windowMs ?? 5 * 60_000;
  const threshold = o.threshold ?? 5;
  const seen: Array<{ at: number; reason: string }> = [];
  const ctx = systemContext(`webhook-watch:${o.channel}`);

  async function check(): Promise<void> {
    const since = o.clock.now().getTime() - windowMs;
    while (seen.length > 0 && seen[0]!.at < since) seen.shift();
    const byReason: Record<string, number> = {};
    for (const r of seen) byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
    const firing = webhookErrorSignals(
      { channel: o.channel, windowMinutes: Math.round(windowMs / 60_000), byReason },
      threshold,
    );
    await o.alerts.sweep(ctx, { kind: "webhook_errors", firing, scope: `webhook:${o.channel}` });
  }
  const run = () => void check().catch((err: unknown) => o.onError?.(err));
  const timer = setInterval(run, o.everyMs ?? 60_000);
  timer.unref();

  return {
    rejected(reason: string): void {
      seen.push({ at: o.clock.now().getTime(), reason });
      if (seen.length > 10_000) seen.shift();
      if (seen.length === threshold) run();
    },
    check,
    stop: () => clearInterval(timer),
  };
}
