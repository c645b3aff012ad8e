import { createHash, timingSafeEqual } from "node:crypto";
import type { Update } from "grammy/types";
import { Hono } from "hono";
import type { TelegramChannel } from "./telegram.channel.ts";

export interface TelegramWebhookOptions {
  channel: Pick<TelegramChannel, "handleUpdate">;
  /** The `secret_token` given to setWebhook (`TELEGRAM_WEBHOOK_SECRET`). */
  secretToken: string;
  /** Largest accepted body; Telegram updates are small. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Told about each refused request, by reason (for `/metrics`). */
  onRejected?(reason: "bad_secret" | "too_large" | "malformed"): void;
}

export const TELEGRAM_SECRET_HEADER = "x-telegram-bot-api-secret-token";

/** Constant-time string equality (hashing first makes the lengths equal, so length leaks nothing either). */
export function secretMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined || expected.length === 0) return false;
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * `POST /webhook` (mount under `/telegram`): verifies the secret-token header (403, nothing processed),
 * parses the update (400 when malformed), hands it to the channel and answers 200 once the bot has run;
 * replies go out in the background under the rate limits. A handler failure answers 500 so Telegram
 * delivers the update again (the durable dedupe makes that safe).
 */
export function telegramWebhookRoutes(opts: TelegramWebhookOptions) {
  const maxBody = opts.maxBodyBytes ?? 1 << 20;
  const app = new Hono();
  app.post("/webhook", async (c) => {
    if (!secretMatches(c.req.header(TELEGRAM_SECRET_HEADER), opts.secretToken)) {
      opts.onRejected?.("bad_secret");
      return c.json({ ok: false, error: "forbidden" }, 403);
    }
    const length = Number(c.req.header("content-length") ?? 0);
    if (length > maxBody) {
      opts.onRejected?.("too_large");
      return c.json({ ok: false, error: "too large" }, 413);
    }
    let update: unknown;
    try {
      const raw = await c.req.text();
      if (raw.length > maxBody) {
        opts.onRejected?.("too_large");
        return c.json({ ok: false, error: "too large" }, 413);
      }
      update = JSON.parse(raw);
    } catch {
      opts.onRejected?.("malformed");
      return c.json({ ok: false, error: "malformed JSON" }, 400);
    }
    if (!isUpdate(update)) {
      opts.onRejected?.("malformed");
      return c.json({ ok: false, error: "not a Telegram update" }, 400);
    }
    const outcome = await opts.channel.handleUpdate(update);
    return c.json({ ok: true, outcome });
  });
  return app;
}

function isUpdate(v: unknown): v is Update {
  return (
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    Number.isSafeInteger((v as { update_id?: unknown }).update_id) &&
    (v as { update_id: number }).update_id >= 0
  );
}
