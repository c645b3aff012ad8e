import { renderApplicationNotice, renderStaffAlert } from "../../bots/staff/index.ts";
import type { Reply } from "../../bots/turn.ts";
import { defineConsumer, type EventConsumer } from "../../core/events/index.ts";
import type { Locale } from "../../core/shared/index.ts";

export const STAFF_ALERTER = "staff-alerter";

/** Where the staff channel is: each destination posts replies (Slack channel, Telegram staff group). */
export interface StaffDestination {
  name: string;
  locale: Locale;
  send(replies: Reply[]): Promise<void>;
}

/**
 * The staff alerter: every committed `staff.alert` (core/alerts) → a message in each staff destination; so
 * is every new distributor application (`distributor.applied`, with its Approve/Reject buttons).
 * Idempotent on the event id per destination (`seen`/`mark`, the outbound dedupe); a failed post throws, so
 * the event is retried — destinations already posted are skipped. Posts are paced by the channels (Slack
 * ≈1/s per channel with 429 retry, Telegram's per-chat limiter); alerts are throttled upstream (one open
 * alert per subject, re-notified at most every N minutes).
 */
export function staffAlerter(deps: {
  destinations: StaffDestination[];
  seen(key: string): Promise<boolean>;
  mark(key: string): Promise<void>;
}): EventConsumer<"staff.alert" | "distributor.applied"> {
  return defineConsumer({
    name: STAFF_ALERTER,
    types: ["staff.alert", "distributor.applied"],
    startFrom: "now",
    async handle(event) {
      for (const d of deps.destinations) {
        const key = `staff-alert:${event.id}:${d.name}`;
        if (await deps.seen(key)) continue;
        await d.send([
          event.type === "distributor.applied"
            ? renderApplicationNotice(event.payload.userId, d.locale)
            : renderStaffAlert(event.payload, d.locale),
        ]);
        await deps.mark(key);
      }
    },
  });
}
